"""The indicator's SQL, portable between SQLite and PostgreSQL.

A listing's state at the end of day D is the ``to_state`` of its last history row before the cutoff
(ties broken by id), read from its live spans through integrations' read port
(``integrations.indicators_port``, the one integrations module the indicators import). Households
count through their own listings, as suppliers of a cooperative product's listing, or through a
declared listing covering D.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from agrimarket.indicators.definition import cutoff
from agrimarket.tables import DeclaredListing
from integrations import indicators_port as history  # the listing history's SQL, owned by integrations

# Every (household, market, source) reason to count a household; duplicates are left to the
# COUNT(DISTINCT household) of each figure (cheaper than a UNION's sort).
HITS = f"""
hits AS (
  {history.SYNCED_HITS}
  UNION ALL
  SELECT d.household, d.marketplace, 'declared' FROM declared_listing d
  WHERE d.household IS NOT NULL AND d.from_date <= :day AND (d.to_date IS NULL OR d.to_date >= :day)
),
area_hits AS (
  SELECT x.household, x.market, x.source, hh.commune, hh.legacy_district
  FROM hits x CROSS JOIN household hh
  WHERE hh.id = x.household AND {{area}}
)"""  # noqa: S608 - fixed SQL fragments only


def _selling(with_source: bool = False) -> str:
    """The households of HITS, each once (with their source when asked), without the market.

    UNION rather than UNION ALL + GROUP BY: PostgreSQL estimates its size, so it hash-joins the
    households (it guesses 200 rows for the GROUP BY and nested-loops 60,000 lookups).
    """
    synced, declared = (", 'synced' AS source", ", 'declared'") if with_source else ("", "")
    return f"""
selling AS (
  {history.synced_households(synced)}
  UNION
  SELECT d.household{declared} FROM declared_listing d
  WHERE d.household IS NOT NULL AND d.from_date <= :day AND (d.to_date IS NULL OR d.to_date >= :day)
)"""  # noqa: S608 - fixed SQL fragments only


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


def _households_sql(area: AreaFilter) -> tuple[str, dict]:
    where, params = area.on_commune_code("hh.commune")
    return "WITH " + HITS.replace("{area}", where), params


async def households_by_commune(area: AreaFilter, day: date) -> dict[str, int]:
    """Commune code -> households selling online at ``day`` (the bench's query).

    Each household is looked up once, and the area applies to the per-commune totals: the commune
    table is read per commune, not per household.
    """
    where, params = area.where("p.commune", "c.province")
    sql = f"""WITH {_selling()},
per_commune AS (
  SELECT hh.commune, COUNT(*) AS n FROM selling x CROSS JOIN household hh
  WHERE hh.id = x.household GROUP BY hh.commune
)
SELECT p.commune AS key, p.n FROM per_commune p JOIN commune c ON c.code = p.commune
WHERE {where}"""  # noqa: S608 - only fixed column names are interpolated
    rows = await run(sql, {**params, "cutoff": cutoff(day), "day": day})
    return {r["key"]: r["n"] for r in rows}


async def headline_counts(area: AreaFilter, day: date) -> dict[str, int]:
    """Households selling online at ``day``: '' the total, 'synced' and 'declared' (a chart point)."""
    where, params = area.on_commune_code("hh.commune")
    sql = f"""WITH {_selling(with_source=True)},
area_selling AS (
  SELECT x.household, x.source FROM selling x CROSS JOIN household hh
  WHERE hh.id = x.household AND {where}
)
SELECT '' AS key, COUNT(DISTINCT household) AS n FROM area_selling
UNION ALL SELECT source, COUNT(*) FROM area_selling GROUP BY source"""  # noqa: S608 - fixed SQL fragments only
    rows = await run(sql, {**params, "cutoff": cutoff(day), "day": day})
    return {r["key"]: r["n"] for r in rows}


async def household_counts(area: AreaFilter, day: date) -> list[dict]:
    """Rows (dim, key, n): dim is total, source, market, commune, commune_source ("code:source"),
    district or district_source (legacy district as recorded, '' when unknown)."""
    sql, params = _households_sql(area)
    sql += """
SELECT 'total' AS dim, '' AS key, COUNT(DISTINCT household) AS n FROM area_hits
UNION ALL SELECT 'source', source, COUNT(DISTINCT household) FROM area_hits GROUP BY source
UNION ALL SELECT 'market', market, COUNT(DISTINCT household) FROM area_hits GROUP BY market
UNION ALL SELECT 'commune', commune, COUNT(DISTINCT household) FROM area_hits GROUP BY commune
UNION ALL SELECT 'commune_source', commune || ':' || source, COUNT(DISTINCT household)
  FROM area_hits GROUP BY commune, source
UNION ALL SELECT 'district', COALESCE(legacy_district, ''), COUNT(DISTINCT household)
  FROM area_hits GROUP BY COALESCE(legacy_district, '')
UNION ALL SELECT 'district_source', COALESCE(legacy_district, '') || ':' || source, COUNT(DISTINCT household)
  FROM area_hits GROUP BY COALESCE(legacy_district, ''), source"""
    return await run(sql, {**params, "cutoff": cutoff(day), "day": day})


async def listing_counts(area: AreaFilter, day: date) -> list[dict]:
    """Rows (dim, key, n): live listings per market, products online, cooperatives selling online.

    A listing belongs to the area of its household, or of its cooperative for a cooperative product.
    """
    where, params = area.on_commune_code("COALESCE(hh.commune, co.commune)")
    coop_where, coop_params = area.where("co.commune", "c.province")
    sql = f"""WITH {history.LIVE},
area_live AS (
  {history.LIVE_WITH_PRODUCT}
  LEFT JOIN household hh ON hh.id = live.household
  LEFT JOIN cooperative co ON co.id = live.cooperative
  WHERE {where}
),
coops AS (
  SELECT cooperative AS id FROM area_live WHERE cooperative IS NOT NULL
  UNION
  SELECT d.cooperative FROM declared_listing d JOIN cooperative co ON co.id = d.cooperative
    JOIN commune c ON c.code = co.commune
  WHERE {coop_where} AND d.from_date <= :day AND (d.to_date IS NULL OR d.to_date >= :day)
)
SELECT 'listings' AS dim, market AS key, COUNT(*) AS n FROM area_live GROUP BY market
UNION ALL SELECT 'products', '', COUNT(DISTINCT product) FROM area_live
UNION ALL SELECT 'cooperatives', '', COUNT(*) FROM coops"""  # noqa: S608 - only fixed column names are interpolated
    return await run(sql, {**params, **coop_params, "cutoff": cutoff(day), "day": day})


async def households_by_province(day: date) -> list[dict]:
    """Rows (province, source, n) for the whole country; source '' is the total."""
    sql, params = _households_sql(AreaFilter())
    sql += """,
country AS (SELECT c.province, x.household, x.source FROM area_hits x JOIN commune c ON c.code = x.commune)
SELECT province, '' AS source, COUNT(DISTINCT household) AS n FROM country GROUP BY province
UNION ALL SELECT province, source, COUNT(DISTINCT household) FROM country GROUP BY province, source"""
    return await run(sql, {**params, "cutoff": cutoff(day), "day": day})
