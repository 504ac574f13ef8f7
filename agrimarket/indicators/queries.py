"""The indicator's SQL, portable between SQLite and PostgreSQL.

Households selling at the end of day D are read from the pre-aggregated history (``selling_span``,
kept by ``agrimarket.indicators.summary``): a household counts through its own listings, as a
supplier of a cooperative product's listing, or through a declared listing covering D, once per level.
Live listings and products are read from the live spans through integrations' read port
(``integrations.indicators_port``, the one integrations module the indicators import): a listing's
state at the end of day D is the ``to_state`` of its last history row before the cutoff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from agrimarket.indicators.definition import cutoff, month_end
from agrimarket.tables import DeclaredListing
from integrations import indicators_port as history  # the listing history's SQL, owned by integrations

# A summary row (``selling_span``, see agrimarket.indicators.summary) covering the end of :day.
# ``to_day`` first: the indexes range over it (see the backfill migration), open spans included.
COVERS_DAY = "s.to_day > :day AND s.from_day <= :day"


@dataclass(frozen=True)
class AreaFilter:
    """A province, or one commune of it. ``column`` is the SQL expression of a row's commune code."""

    province: str | None = None  # None: the whole country (open data)
    commune: str | None = None

    def where(self, commune_column: str, province_column: str) -> tuple[str, dict]:
        if self.commune:
            return f"{commune_column} = :commune", {"commune": self.commune}
        if self.province:
            return f"{province_column} = :province", {"province": self.province}
        return "1 = 1", {}

    def on_copied_area(self, alias: str) -> tuple[str, dict]:
        """The area as a test on a row's own copied ``province`` and ``commune`` columns: one index
        range on the province, then the commune (live listing spans)."""
        params = {name: value for name in ("province", "commune") if (value := getattr(self, name))}
        return " AND ".join(f"{alias}.{name} = :{name}" for name in params) or "1 = 1", params

    def on_commune_code(self, commune_column: str) -> tuple[str, dict]:
        """The same area as a test on a commune code alone: no join to the commune table per row."""
        if self.province and not self.commune:
            in_province = f"{commune_column} IN (SELECT code FROM commune WHERE province = :province)"  # noqa: S608
            return in_province, {"province": self.province}
        return self.where(commune_column, "")


async def run(sql: str, params: dict) -> list[dict]:
    """Named ``:params`` to Piccolo's positional ``{}`` (repeated names repeat the value)."""
    args: list = []

    def placeholder(match: re.Match) -> str:
        args.append(params[match.group(1)])
        return "{}"

    return await DeclaredListing.raw(re.sub(r"(?<!:):([a-z_]+)\b", placeholder, sql), *args)


def _summary_area(area: AreaFilter) -> tuple[str, dict]:
    return area.where("s.commune", "s.province")


async def households_by_commune(area: AreaFilter, day: date) -> dict[str, int]:
    """Commune code -> households selling online at ``day`` (the bench's query): one index range."""
    where, params = _summary_area(area)
    sql = f"""SELECT s.commune AS key, COUNT(*) AS n FROM selling_span s
WHERE {where} AND s.market = '' AND s.source = '' AND {COVERS_DAY}
GROUP BY s.commune"""  # noqa: S608 - only fixed column names are interpolated
    rows = await run(sql, {**params, "day": day})
    return {r["key"]: r["n"] for r in rows}


async def headline_counts(area: AreaFilter, day: date) -> dict[str, int]:
    """Households selling online at ``day``: '' the total, 'synced' and 'declared' (a chart point)."""
    return (await headline_series(area, [day]))[day]


async def headline_series(area: AreaFilter, days: list[date]) -> dict[date, dict[str, int]]:
    """``headline_counts`` at each of ``days`` in one read (the chart): of the month summary when
    every day is a month end (a few rows per commune and month), else of the area's spans."""
    if not days:
        return {}
    names = [f"day_{chr(ord('a') + i)}" for i in range(len(days))]  # letters: run() names no digits
    bounds = {**dict(zip(names, days, strict=True)), "first": min(days), "last": max(days)}
    where, params = _summary_area(area)  # both summaries copy the household's commune and province
    if all(day == month_end(day) for day in days):
        # The households selling at the end of month M: the sum of the net changes of the months up to M.
        columns = ",\n  ".join(
            f"SUM(CASE WHEN s.month <= :{name} THEN s.delta ELSE 0 END) AS {name}" for name in names
        )
        sql = f"""SELECT s.source AS key,
  {columns}
FROM selling_month s WHERE {where} AND s.month <= :last GROUP BY s.source"""  # noqa: S608 - fixed SQL fragments only
    else:
        columns = ",\n  ".join(
            f"SUM(CASE WHEN {COVERS_DAY.replace(':day', ':' + name)} THEN 1 ELSE 0 END) AS {name}"
            for name in names
        )
        sql = f"""SELECT s.source AS key,
  {columns}
FROM selling_span s
WHERE {where} AND s.market = '' AND s.to_day > :first AND s.from_day <= :last
GROUP BY s.source"""  # noqa: S608 - fixed SQL fragments only
    rows = await run(sql, {**params, **bounds})
    return {day: {r["key"]: int(r[name] or 0) for r in rows} for name, day in zip(names, days, strict=True)}


async def household_counts(area: AreaFilter, day: date) -> list[dict]:
    """Rows (dim, key, n): dim is total, source, market, commune, commune_source ("code:source"),
    district or district_source (legacy district as recorded, '' when unknown).

    Read from the summary grouped by level; the dimensions are sums of its groups
    (each household has at most one row per level covering the day).
    """
    where, params = _summary_area(area)
    # Per level, so each part is index ranges on to_day (one per kind) rather than the whole area.
    sql = f"""SELECT '' AS market, s.source, s.commune, COALESCE(s.legacy_district, '') AS district, COUNT(*) AS n
FROM selling_span s WHERE {where} AND s.market = '' AND s.source IN ('', 'synced', 'declared') AND {COVERS_DAY}
GROUP BY s.source, s.commune, COALESCE(s.legacy_district, '')
UNION ALL
SELECT s.market, '', '', '', COUNT(*) FROM selling_span s
WHERE {where} AND s.market > '' AND s.source = '' AND {COVERS_DAY} GROUP BY s.market"""  # noqa: S608
    counts: dict[tuple[str, str], int] = {}

    def add(dim: str, key: str, n: int) -> None:
        counts[(dim, key)] = counts.get((dim, key), 0) + n

    for r in await run(sql, {**params, "day": day}):
        market, source, commune, district, n = r["market"], r["source"], r["commune"], r["district"], r["n"]
        if market:
            add("market", market, n)
        elif not source:
            add("total", "", n)
            add("commune", commune, n)
            add("district", district, n)
        else:
            add("source", source, n)
            add("commune_source", f"{commune}:{source}", n)
            add("district_source", f"{district}:{source}", n)
    return [{"dim": dim, "key": key, "n": n} for (dim, key), n in counts.items()]


async def listing_counts(area: AreaFilter, day: date) -> list[dict]:
    """Rows (dim, key, n): live listings per market, products online, cooperatives selling online.

    A listing belongs to the area of its household, or of its cooperative for a cooperative product.
    """
    where, params = area.on_copied_area("s")
    coop_where, coop_params = area.where("co.commune", "c.province")
    # Grouped on the marketplace's id (its code joined to the few groups), products kept distinct
    # by a hash: over the whole country's live listings both cost a fraction of the text keys.
    sql = f"""WITH {history.live(where)},
coops AS (
  SELECT cooperative AS id FROM live WHERE cooperative IS NOT NULL
  UNION
  SELECT d.cooperative FROM declared_listing d JOIN cooperative co ON co.id = d.cooperative
    JOIN commune c ON c.code = co.commune
  WHERE {coop_where} AND d.from_date <= :day AND (d.to_date IS NULL OR d.to_date >= :day)
)
SELECT 'listings' AS dim, m.code AS key, x.n FROM (
  SELECT marketplace, COUNT(*) AS n FROM live GROUP BY marketplace
) x JOIN marketplace m ON m.id = x.marketplace
UNION ALL SELECT 'products', '', COUNT(*) FROM (SELECT DISTINCT product FROM live WHERE product IS NOT NULL) p
UNION ALL SELECT 'cooperatives', '', COUNT(*) FROM coops"""  # noqa: S608 - only fixed column names are interpolated
    return await run(sql, {**params, **coop_params, "cutoff": cutoff(day), "day": day})


async def households_by_province(day: date) -> list[dict]:
    """Rows (province, source, n) for the whole country; source '' is the total."""
    sql = f"""SELECT s.province, s.source, COUNT(*) AS n FROM selling_span s
WHERE s.market = '' AND {COVERS_DAY} GROUP BY s.province, s.source"""  # noqa: S608
    return await run(sql, {"day": day})
