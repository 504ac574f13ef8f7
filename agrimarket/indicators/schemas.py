"""Response shapes of the indicators API and the open data."""

from __future__ import annotations

from datetime import date

import msgspec

from agrimarket.indicators.definition import definition
from agrimarket.indicators.measures import Participation
from agrimarket.indicators.service import Report


class CountRow(msgspec.Struct):
    code: str
    name: str
    households: int
    synced: int
    declared: int


class DistrictOut(msgspec.Struct):
    """A legacy district (huyện cũ) as recorded on households; ``name`` is "Không rõ" when unknown."""

    name: str
    known: bool
    households: int
    synced: int
    declared: int


class MarketOut(msgspec.Struct):
    key: str
    label: str
    households: int
    live_listings: int


class PointOut(msgspec.Struct):
    date: date
    households: int
    synced: int
    declared: int


class FigureOut(msgspec.Struct):
    key: str
    label: str
    value: int
    definition: str  # one line: what exactly is counted


class MarketTransactionsOut(msgspec.Struct):
    key: str
    label: str
    transactions: int
    value_vnd: int


class FunnelOut(msgspec.Struct):
    code: str
    name: str
    trained: int
    connected: int
    selling: int
    transacting: int


class ParticipationOut(msgspec.Struct):
    """Every measure for the area over [period_from, period_to] (the funnel per commune)."""

    period_from: date
    period_to: date
    figures: list[FigureOut]
    marketplaces: list[MarketTransactionsOut]
    funnel: list[FunnelOut]


def participation_out(p: Participation, lang: str) -> ParticipationOut:
    return ParticipationOut(
        period_from=p.start,
        period_to=p.end,
        figures=[FigureOut(f.key, f.label, f.value, f.definition) for f in p.figures(lang)],
        marketplaces=[MarketTransactionsOut(m.key, m.label, m.transactions, m.value_vnd) for m in p.markets],
        funnel=[
            FunnelOut(f.code, f.name, f.trained, f.connected, f.selling, f.transacting) for f in p.funnel
        ],
    )


class ReportOut(msgspec.Struct):
    as_of: date
    area_code: str
    area_name: str
    definition: str
    households: int
    synced: int
    declared: int
    cooperatives: int
    products: int
    growing_areas: int
    growing_areas_coded: int
    growing_areas_verified: int
    stamped_batches: int
    scans: int
    scans_from: date | None
    communes: list[CountRow]
    districts: list[DistrictOut]
    marketplaces: list[MarketOut]
    series: list[PointOut]
    participation: ParticipationOut | None


def report_out(r: Report, lang: str = "vi") -> ReportOut:
    return ReportOut(
        as_of=r.day,
        area_code=r.area.code,
        area_name=r.area.name,
        definition=definition(lang),
        households=r.households,
        synced=r.synced,
        declared=r.declared,
        cooperatives=r.cooperatives,
        products=r.products,
        growing_areas=r.growing_areas,
        growing_areas_coded=r.growing_areas_coded,
        growing_areas_verified=r.growing_areas_verified,
        stamped_batches=r.stamped_batches,
        scans=r.scans,
        scans_from=r.scans_from,
        communes=[CountRow(c.code, c.name, c.households, c.synced, c.declared) for c in r.communes],
        districts=[
            DistrictOut(d.label, d.name is not None, d.households, d.synced, d.declared) for d in r.districts
        ],
        marketplaces=[MarketOut(m.key, m.label, m.households, m.live_listings) for m in r.marketplaces],
        series=[PointOut(p.day, p.households, p.synced, p.declared) for p in r.series],
        participation=participation_out(r.participation, lang) if r.participation else None,
    )


class OpenDataOut(msgspec.Struct):
    """Aggregate counts only: no names, phones or addresses."""

    as_of: date
    definition: str
    province_code: str | None
    households: int
    areas: list[CountRow]
