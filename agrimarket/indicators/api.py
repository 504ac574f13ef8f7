"""The indicators over the JSON API (bearer token; officers of the area, admins)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.response import Stream

from agrimarket.accounts.actor import Actor
from agrimarket.indicators import responses
from agrimarket.indicators.schemas import ReportOut, report_out
from agrimarket.indicators.service import report_for
from agrimarket.web.auth import provide_actor
from agrimarket.web.i18n import request_lang

# Annotated, so the handlers' defaults stay None for the type checker.
Day = Annotated[
    date | None,
    QueryParameter(name="date", default=None, description="YYYY-MM-DD; today (Vietnam) when omitted"),
]
AreaCode = Annotated[
    str | None,
    QueryParameter(
        name="area",
        default=None,
        description="province (2 digits) or commune (5 digits) code; VN: the whole country (admins)",
    ),
]
PeriodStart = Annotated[
    date | None,
    QueryParameter(
        name="from",
        default=None,
        description="YYYY-MM-DD: first day of the period of the participation measures (the month's first day when omitted)",
    ),
]


class IndicatorController(Controller):
    path = "/api/v1/indicators"
    tags = ["indicators"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def report(
        self,
        request: Request,
        actor: Actor,
        day: Day = None,
        area: AreaCode = None,
        start: PeriodStart = None,
    ) -> ReportOut:
        """Households selling online and companion figures at a date, by commune and marketplace."""
        lang = request_lang(request)
        return report_out(await report_for(actor, area, day, lang, start), lang)

    @get("/export.csv", media_type="text/csv")
    async def export_csv(
        self,
        actor: Actor,
        day: Day = None,
        area: AreaCode = None,
        start: PeriodStart = None,
    ) -> Stream:
        return responses.csv_response(await report_for(actor, area, day, period_start=start))

    @get("/export.xlsx", media_type=responses.XLSX)
    async def export_xlsx(
        self,
        actor: Actor,
        day: Day = None,
        area: AreaCode = None,
        start: PeriodStart = None,
    ) -> Stream:
        return responses.xlsx_response(await report_for(actor, area, day, period_start=start))
