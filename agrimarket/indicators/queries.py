"""The indicator's SQL, portable between SQLite and PostgreSQL.

A listing's state at the end of day D is the ``to_state`` of its last history row before the cutoff
(ties broken by id). Households count through their own listings, as suppliers
of a cooperative product's listing, or through a declared listing covering D.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from piccolo.engine.sqlite import SQLiteEngine

from agrimarket.indicators.definition import cutoff
from agrimarket.tables import DeclaredListing

# The last history row per listing before the cutoff, two portable ways; each engine gets the one
# that measured faster on 1,000,000 rows (bench/indicators.py): PostgreSQL the window function,
# SQLite max(at) per listing then max(id) among ties (an index on (listing, at) serves it).
WINDOW_LIVE = """
last AS (
  SELECT lh.listing, lh.marketplace, lh.household, lh.cooperative, lh.to_state,
         ROW_NUMBER() OVER (PARTITION BY lh.listing ORDER BY lh.at DESC, lh.id DESC) AS rn
  FROM listing_history lh WHERE lh.at < :cutoff
),
live AS (
  SELECT l.listing, l.household, l.cooperative, m.code AS market
  FROM last l JOIN marketplace m ON m.id = l.marketplace
  WHERE l.rn = 1 AND l.to_state = 'live'
)"""
LAST_MAX = """
last_at AS (SELECT listing, MAX(at) AS at FROM listing_history WHERE at < :cutoff GROUP BY listing),
last_ids AS (
  SELECT MAX(lh.id) AS id FROM last_at JOIN listing_history lh ON lh.listing = last_at.listing AND lh.at = last_at.at
  GROUP BY lh.listing
),"""
LIVE = """
live AS (
  SELECT lh.listing, lh.household, lh.cooperative, m.code AS market
  FROM last_ids JOIN listing_history lh ON lh.id = last_ids.id JOIN marketplace m ON m.id = lh.marketplace
  WHERE lh.to_state = 'live'
)"""


def _live() -> str:
    return LAST_MAX + LIVE if isinstance(DeclaredListing._meta.db, SQLiteEngine) else WINDOW_LIVE


HITS = """
hits AS (
  SELECT household, market, 'synced' AS source FROM live WHERE household IS NOT NULL
  UNION
  SELECT ps.household, live.market, 'synced' FROM live
    JOIN listing li ON li.id = live.listing
    JOIN product_supplier ps ON ps.product = li.product
  WHERE ps.added_at < :cutoff AND (ps.removed_at IS NULL OR ps.removed_at >= :cutoff)
  UNION
  SELECT d.household, d.marketplace, 'declared' FROM declared_listing d
  WHERE d.household IS NOT NULL AND d.from_date <= :day AND (d.to_date IS NULL OR d.to_date >= :day)
),
area_hits AS (
  SELECT x.household, x.market, x.source, hh.commune, c.province
  FROM hits x JOIN household hh ON hh.id = x.household JOIN commune c ON c.code = hh.commune
  WHERE {area}
)"""


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


async def run(sql: str, params: dict) -> list[dict]:
    """Named ``:params`` to Piccolo's positional ``{}`` (repeated names repeat the value)."""
    args: list = []

    def placeholder(match: re.Match) -> str:
        args.append(params[match.group(1)])
        return "{}"

    return await DeclaredListing.raw(re.sub(r"(?<!:):([a-z_]+)\b", placeholder, sql), *args)


def _households_sql(area: AreaFilter) -> tuple[str, dict]:
    where, params = area.where("hh.commune", "c.province")
    return "WITH " + _live() + "," + HITS.replace("{area}", where), params


async def households_by_commune(area: AreaFilter, day: date) -> dict[str, int]:
    """Commune code -> households selling online at ``day`` (the bench's query)."""
    sql, params = _households_sql(area)
    sql += " SELECT commune AS key, COUNT(DISTINCT household) AS n FROM area_hits GROUP BY commune"
    rows = await run(sql, {**params, "cutoff": cutoff(day), "day": day})
    return {r["key"]: r["n"] for r in rows}


async def household_counts(area: AreaFilter, day: date) -> list[dict]:
    """Rows (dim, key, n): dim is total, source, market, commune or commune_source ("code:source")."""
    sql, params = _households_sql(area)
    sql += """
SELECT 'total' AS dim, '' AS key, COUNT(DISTINCT household) AS n FROM area_hits
UNION ALL SELECT 'source', source, COUNT(DISTINCT household) FROM area_hits GROUP BY source
UNION ALL SELECT 'market', market, COUNT(DISTINCT household) FROM area_hits GROUP BY market
UNION ALL SELECT 'commune', commune, COUNT(DISTINCT household) FROM area_hits GROUP BY commune
UNION ALL SELECT 'commune_source', commune || ':' || source, COUNT(DISTINCT household)
  FROM area_hits GROUP BY commune, source"""
    return await run(sql, {**params, "cutoff": cutoff(day), "day": day})


async def listing_counts(area: AreaFilter, day: date) -> list[dict]:
    """Rows (dim, key, n): live listings per market, products online, cooperatives selling online.

    A listing belongs to the area of its household, or of its cooperative for a cooperative product.
    """
    where, params = area.where("COALESCE(hh.commune, co.commune)", "c.province")
    coop_where, coop_params = area.where("co.commune", "c.province")
    sql = f"""WITH {_live()},
area_live AS (
  SELECT live.listing, live.market, live.cooperative, li.product
  FROM live JOIN listing li ON li.id = live.listing
  LEFT JOIN household hh ON hh.id = live.household
  LEFT JOIN cooperative co ON co.id = live.cooperative
  JOIN commune c ON c.code = COALESCE(hh.commune, co.commune)
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
    sql += """
SELECT province, '' AS source, COUNT(DISTINCT household) AS n FROM area_hits GROUP BY province
UNION ALL SELECT province, source, COUNT(DISTINCT household) FROM area_hits GROUP BY province, source"""
    return await run(sql, {**params, "cutoff": cutoff(day), "day": day})
