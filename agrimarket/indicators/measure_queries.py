"""The participation measures' SQL, portable between SQLite and PostgreSQL: per commune of the
household (each household counts once in its commune, so a total is the sum of its communes).

A period is [start, end]: ``:start`` is 00:00 of its first day and ``:cutoff`` 24:00 of its last
(Vietnam time), both in UTC; ``:first``/``:last`` are the days themselves.
"""

from __future__ import annotations

from agrimarket.indicators.queries import AreaFilter, run

# A live span overlapping the period: displayed at some moment in it.
OVERLAPS = "s.live_from < :cutoff AND (s.live_until IS NULL OR s.live_until > :start)"
# An order counted as a transaction: placed in the period and not cancelled.
ORDERED = "o.status <> 'cancelled' AND o.placed_at >= :start AND o.placed_at < :cutoff"

TRANSACTING = f"""
  SELECT o.household FROM marketplace_order o WHERE o.household IS NOT NULL AND {ORDERED}
  UNION
  SELECT ps.household FROM marketplace_order o
    JOIN order_item oi ON oi."order" = o.id
    JOIN product_supplier ps ON ps.product = oi.product
  WHERE o.cooperative IS NOT NULL AND {ORDERED}
    AND ps.added_at <= o.placed_at AND (ps.removed_at IS NULL OR ps.removed_at > o.placed_at)"""  # noqa: S608

DISPLAYED = f"""
  SELECT s.household FROM listing_span s WHERE s.household IS NOT NULL AND {OVERLAPS}
  UNION
  SELECT ps.household FROM product_supplier ps
    JOIN listing li ON li.product = ps.product
    JOIN listing_span s ON s.listing = li.id
  WHERE {OVERLAPS} AND ps.added_at < :cutoff AND (ps.removed_at IS NULL OR ps.removed_at > :start)"""  # noqa: S608

HOUSEHOLDS = {
    "trained": """
  SELECT ta.household FROM training_attendance ta JOIN training_session ts ON ts.id = ta."session"
  WHERE ts.held_on >= :first AND ts.held_on <= :last""",
    "connected": """
  SELECT a.owner_household AS household FROM marketplace_account a
  WHERE a.owner_household IS NOT NULL AND a.created_at < :cutoff""",
    "active": DISPLAYED + "\n  UNION" + TRANSACTING,
    "transacting": TRANSACTING,
}


async def households_by_commune(measure: str, area: AreaFilter, params: dict) -> dict[str, int]:
    """Commune code -> households counted by ``measure`` (a key of HOUSEHOLDS) in the area."""
    where, area_params = area.on_commune_code("hh.commune")
    sql = f"""WITH counted AS ({HOUSEHOLDS[measure]}
)
SELECT hh.commune AS key, COUNT(DISTINCT hh.id) AS n FROM counted x JOIN household hh ON hh.id = x.household
WHERE {where} GROUP BY hh.commune"""  # noqa: S608 - fixed SQL fragments only
    rows = await run(sql, {**params, **area_params})
    return {r["key"]: r["n"] for r in rows}


async def transactions_by_market(area: AreaFilter, params: dict) -> list[dict]:
    """Rows (key, n, value): orders counted as transactions per marketplace, and their value."""
    where, area_params = area.on_commune_code("COALESCE(hh.commune, co.commune)")
    sql = f"""SELECT m.code AS key, COUNT(*) AS n,
  SUM(CASE WHEN o.status = 'returned' THEN 0 ELSE o.amount_vnd END) AS value
FROM marketplace_order o JOIN marketplace m ON m.id = o.marketplace
  LEFT JOIN household hh ON hh.id = o.household
  LEFT JOIN cooperative co ON co.id = o.cooperative
WHERE {ORDERED} AND {where}
GROUP BY m.code"""  # noqa: S608 - fixed SQL fragments only
    return await run(sql, {**params, **area_params})
