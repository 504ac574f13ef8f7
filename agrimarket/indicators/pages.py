"""The officer dashboard: headline numbers, a table by commune, SVG charts, exports of what is shown."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.response import Stream, Template
from markupsafe import Markup

from agrimarket.accounts.actor import Actor, Role
from agrimarket.areas.service import list_provinces
from agrimarket.indicators import responses
from agrimarket.indicators.area import Area, communes_of
from agrimarket.indicators.charts import funnel_svg, markets_svg, series_svg
from agrimarket.indicators.definition import definition
from agrimarket.indicators.measure_defs import BY_KEY, FUNNEL
from agrimarket.indicators.service import Report, report_for
from agrimarket.web.auth import provide_actor
from agrimarket.web.i18n import request_lang

# Annotated, so the handlers' defaults stay None for the type checker.
Day = Annotated[date | None, QueryParameter(name="date", default=None)]
AreaCode = Annotated[str | None, QueryParameter(name="area", default=None)]
PeriodStart = Annotated[date | None, QueryParameter(name="from", default=None)]


async def _area_choices(viewer: Actor, area: Area) -> list[tuple[str, str]]:
    """What the area filter offers: a commune officer has one commune, others the province's communes;
    the whole country (an admin's) is chosen with the provinces."""
    if viewer.scope_commune or not area.province_code:
        return [(area.code, area.name)]
    whole = Area(area.province_code, area.province_name)
    province_wide = [(whole.code, whole.name)]
    return province_wide + [(c["code"], c["name"]) for c in await communes_of(whole)]


def _charts(report: Report, lang: str) -> dict[str, Markup]:
    en = lang == "en"
    series_title = "Households selling online, month ends" if en else "Hộ bán hàng trực tuyến, cuối mỗi tháng"
    market_title = "Households per marketplace" if en else "Số hộ theo sàn"
    funnel_title = (
        "Trained → connected → selling → transacting, by commune"
        if en
        else "Tập huấn → có tài khoản → đang bán → có giao dịch, theo xã/phường"
    )
    stages = {key: BY_KEY[key].label(lang) for key in FUNNEL}
    funnel = report.participation.funnel if report.participation else []
    # The SVG is built from numbers and escaped labels only.
    return {
        "series_svg": Markup(series_svg(report.series, series_title)),  # noqa: S704
        "markets_svg": Markup(markets_svg(report.marketplaces, market_title)),  # noqa: S704
        "funnel_svg": Markup(funnel_svg(funnel, stages, funnel_title)),  # noqa: S704
    }


class IndicatorPages(Controller):
    path = "/indicators"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def dashboard(
        self,
        request: Request,
        viewer: Actor,
        day: Day = None,
        area: AreaCode = None,
        start: PeriodStart = None,
    ) -> Template:
        lang = request_lang(request)
        report = await report_for(viewer, area, day, lang, start)
        assert report.participation is not None  # report_for() builds it
        context = {
            "viewer": viewer,
            "r": report,
            "definition": definition(lang),
            "area_choices": await _area_choices(viewer, report.area),
            "provinces": await list_provinces() if viewer.role == Role.ADMIN else [],
            "query": f"date={report.day.isoformat()}&area={report.area.code}&from={report.participation.start}",
            "figures": report.participation.figures(lang),
            **_charts(report, lang),
        }
        return Template("indicators/dashboard.html", context=context)

    @get("/export.csv", media_type="text/csv")
    async def export_csv(
        self,
        viewer: Actor,
        day: Day = None,
        area: AreaCode = None,
        start: PeriodStart = None,
    ) -> Stream:
        return responses.csv_response(await report_for(viewer, area, day, period_start=start))

    @get("/export.xlsx", media_type=responses.XLSX)
    async def export_xlsx(
        self,
        viewer: Actor,
        day: Day = None,
        area: AreaCode = None,
        start: PeriodStart = None,
    ) -> Stream:
        return responses.xlsx_response(await report_for(viewer, area, day, period_start=start))
