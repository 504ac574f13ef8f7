"""The indicator report: households selling online and its companion figures, for one area at one date.

Reads only. Past dates are answered from the append-only listing history, so they do not move when
today's listings change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from agrimarket.db import gather_reads
from agrimarket.declared.catalog import marketplace_label
from agrimarket.indicators import queries
from agrimarket.indicators.area import Area, communes_of, resolve_report_area
from agrimarket.indicators.companion import traceability_counts
from agrimarket.indicators.definition import series_days, today
from agrimarket.indicators.measures import Participation, participation, participation_reads

UNKNOWN_DISTRICT = "Không rõ"


@dataclass
class CommuneRow:
    code: str
    name: str
    households: int = 0
    synced: int = 0
    declared: int = 0


@dataclass
class DistrictRow:
    """Households by legacy district (huyện cũ, before the 2025 reform); ``name`` None when unknown."""

    name: str | None
    households: int = 0
    synced: int = 0
    declared: int = 0

    @property
    def label(self) -> str:
        return self.name or UNKNOWN_DISTRICT


@dataclass
class MarketRow:
    key: str
    label: str
    households: int = 0
    live_listings: int = 0


@dataclass
class Point:
    day: date
    households: int
    synced: int
    declared: int


@dataclass
class Report:
    day: date
    area: Area
    households: int = 0
    synced: int = 0
    declared: int = 0
    cooperatives: int = 0
    products: int = 0
    growing_areas: int = 0
    growing_areas_coded: int = 0
    growing_areas_verified: int = 0
    stamped_batches: int = 0
    scans: int = 0
    scans_from: date | None = None
    communes: list[CommuneRow] = field(default_factory=list)
    districts: list[DistrictRow] = field(default_factory=list)
    marketplaces: list[MarketRow] = field(default_factory=list)
    series: list[Point] = field(default_factory=list)
    # Every participation measure over the period [period_start, day].
    participation: Participation | None = None


async def headline(area: Area, day: date) -> Point:
    """Households selling online at ``day``: total, through synced listings, through declared ones."""
    counts = await queries.headline_counts(area.filter, day)
    return Point(day, counts.get("", 0), counts.get("synced", 0), counts.get("declared", 0))


async def build_report(
    area: Area,
    day: date,
    lang: str = "vi",
    with_series: bool = True,
    period_start: date | None = None,
    with_participation: bool = True,
) -> Report:
    scans_from = day.replace(day=1)
    report = Report(day=day, area=area, scans_from=scans_from)
    # The chart's last point is ``day`` itself: the report's own totals, not counted twice; the
    # others in one read of the summary.
    chart_days = series_days(day)[:-1] if with_series else []
    start = min(period_start or day.replace(day=1), day)
    measure_reads = participation_reads(area, start, day) if with_participation else []
    # Every read at once, the slowest first: they share a few connections (gather_reads).
    rows: list[dict]
    listing_rows: list[dict]
    trace: dict[str, int]
    communes: list[dict]
    series: dict[date, dict[str, int]]
    # The reads differ in type: their results are typed by the names above.
    rows, listing_rows, *measured, series, trace, communes = cast(
        list[Any],
        await gather_reads(
            queries.household_counts(area.filter, day),
            queries.listing_counts(area.filter, day),
            *measure_reads,
            queries.headline_series(area.filter, chart_days),
            traceability_counts(area.filter, day, scans_from),
            communes_of(area),
        ),
    )
    by_dim: dict[str, dict[str, int]] = {}
    for row in rows:
        by_dim.setdefault(row["dim"], {})[row["key"]] = row["n"]
    report.households = by_dim.get("total", {}).get("", 0)
    report.synced = by_dim.get("source", {}).get("synced", 0)
    report.declared = by_dim.get("source", {}).get("declared", 0)
    if with_series:
        points = [Point(d, c.get("", 0), c.get("synced", 0), c.get("declared", 0)) for d, c in series.items()]
        report.series = [*points, Point(day, report.households, report.synced, report.declared)]
    commune_source = by_dim.get("commune_source", {})
    report.communes = [
        CommuneRow(
            c["code"],
            c["name"],
            by_dim.get("commune", {}).get(c["code"], 0),
            commune_source.get(f"{c['code']}:synced", 0),
            commune_source.get(f"{c['code']}:declared", 0),
        )
        for c in communes
    ]
    report.districts = _districts(by_dim)
    listing: dict[str, dict[str, int]] = {}
    for row in listing_rows:
        listing.setdefault(row["dim"], {})[row["key"]] = row["n"]
    report.products = listing.get("products", {}).get("", 0)
    report.cooperatives = listing.get("cooperatives", {}).get("", 0)
    households_by_market = by_dim.get("market", {})
    live_by_market = listing.get("listings", {})
    report.marketplaces = sorted(
        (
            MarketRow(
                key,
                marketplace_label(key, lang),
                households_by_market.get(key, 0),
                live_by_market.get(key, 0),
            )
            for key in set(households_by_market) | set(live_by_market)
        ),
        key=lambda m: (-m.households, m.key),
    )
    report.growing_areas = trace.get("areas", 0)
    report.growing_areas_coded = trace.get("areas_coded", 0)
    report.growing_areas_verified = trace.get("areas_verified", 0)
    report.stamped_batches = trace.get("stamped_batches", 0)
    report.scans = trace.get("scans", 0)
    if with_participation:
        report.participation = participation(
            measured,
            start,
            day,
            [(c.code, c.name) for c in report.communes],
            {c.code: c.households for c in report.communes},
            report.products,
            lang,
        )
    return report


def _districts(by_dim: dict[str, dict[str, int]]) -> list[DistrictRow]:
    """Legacy districts with households selling online, by name; the unknown ones last."""
    sources = by_dim.get("district_source", {})
    rows = [
        DistrictRow(key or None, n, sources.get(f"{key}:synced", 0), sources.get(f"{key}:declared", 0))
        for key, n in by_dim.get("district", {}).items()
    ]
    return sorted(rows, key=lambda d: (d.name is None, d.name or ""))


async def report_for(
    actor, area_code: str | None, day: date | None, lang: str = "vi", period_start: date | None = None
) -> Report:
    """The report an actor asked for, inside their scope (404 outside it, 403 for non-officers);
    ``VN``: the whole country, for admins.

    The participation measures cover ``period_start`` (the first of the month by default) to ``day``.
    """
    area = await resolve_report_area(actor, area_code)
    return await build_report(area, day or today(), lang, period_start=period_start)
