"""Public open data: aggregate counts of households selling online by province and commune; no personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from agrimarket.exports import csv_for_excel
from agrimarket.indicators.area import area_by_code
from agrimarket.indicators.definition import DEFINITION_VI, definition, today
from agrimarket.indicators.queries import households_by_province
from agrimarket.indicators.schemas import CountRow, OpenDataOut
from agrimarket.indicators.service import build_report
from agrimarket.tables import Province

# Annotated, so the handlers' defaults stay None for the type checker.
Day = Annotated[
    date | None,
    QueryParameter(name="date", default=None, description="YYYY-MM-DD; today (Vietnam) when omitted"),
]
ProvinceCode = Annotated[
    str | None, QueryParameter(name="province", default=None, description="2-digit code: its communes")
]


async def households_selling(day: date, province: str | None) -> OpenDataOut:
    if province:
        report = await build_report(
            await area_by_code(province), day, with_series=False, with_participation=False
        )
        rows = [CountRow(c.code, c.name, c.households, c.synced, c.declared) for c in report.communes]
        return OpenDataOut(day, definition(), report.area.province_code, report.households, rows)
    counts: dict[tuple[str, str], int] = {
        (r["province"], r["source"]): r["n"] for r in await households_by_province(day)
    }
    provinces = await Province.select(Province.code, Province.name).order_by(Province.code)
    rows = [
        CountRow(
            p["code"],
            p["name"],
            counts.get((p["code"], ""), 0),
            counts.get((p["code"], "synced"), 0),
            counts.get((p["code"], "declared"), 0),
        )
        for p in provinces
    ]
    return OpenDataOut(day, definition(), None, sum(r.households for r in rows), rows)


def _cache(day: date) -> dict[str, str]:
    # A past date's figure is settled (append-only history); today's still moves.
    age = 300 if day >= today() else 86400
    return {"Cache-Control": f"public, max-age={age}", "Access-Control-Allow-Origin": "*"}


class OpenDataController(Controller):
    path = "/api/v1/open-data"
    tags = ["open data"]

    @get("/households-selling")
    async def households(self, day: Day = None, province: ProvinceCode = None) -> Response[OpenDataOut]:
        """Households selling online at a date: per province, or per commune of one province."""
        day = day or today()
        return Response(await households_selling(day, province), headers=_cache(day))

    @get("/households-selling.csv", media_type="text/csv")
    async def households_csv(self, day: Day = None, province: ProvinceCode = None) -> Response[bytes]:
        day = day or today()
        data = await households_selling(day, province)
        header = ["Mã địa bàn", "Địa bàn", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"]
        rows: list[list[object]] = [[r.code, r.name, r.households, r.synced, r.declared] for r in data.areas]
        rows += [[], ["Ngày số liệu", f"{day:%d/%m/%Y}"], ["Định nghĩa", DEFINITION_VI]]
        name = f"ho-ban-hang-truc-tuyen-{province or 'ca-nuoc'}-{day:%Y-%m-%d}.csv"
        headers = {**_cache(day), "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(csv_for_excel(header, rows), media_type="text/csv", headers=headers)
