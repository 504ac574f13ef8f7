"""The participation measures' SQL, portable between SQLite and PostgreSQL: per commune of the
household (each household counts once in its commune, so a total is the sum of its communes).

A period is [start, end]: ``:start`` is 00:00 of its first day and ``:cutoff`` 24:00 of its last
(Vietnam time), both in UTC; ``:first``/``:last`` are the days themselves.
"""

from __future__ import annotations

from agrimarket.indicators.queries import AreaFilter, run
from integrations import indicators_port as history  # the listing history's and orders' SQL

HOUSEHOLDS = {
    "trained": """
  SELECT ta.household FROM training_attendance ta JOIN training_session ts ON ts.id = ta."session"
  WHERE ts.held_on >= :first AND ts.held_on <= :last""",
    "connected": history.CONNECTED,
    # With the households' own live listings, read apart (``_counted``).
    "active": history.DISPLAYED_AS_SUPPLIER + "\n  UNION" + history.TRANSACTING,
    "transacting": history.TRANSACTING,
}


def _counted(measure: str, area: AreaFilter) -> tuple[str, dict]:
    """Rows (household, commune) counted by ``measure`` in the area, each household once, and their
    parameters. Active households' own listings come with their commune from the spans (the most
    rows: no join per row); UNION keeps each household once."""
    where, params = area.on_commune_code("hh.commune")
    joined = f"""SELECT DISTINCT x.household, hh.commune FROM ({HOUSEHOLDS[measure]}
) x JOIN household hh ON hh.id = x.household WHERE {where}"""  # noqa: S608 - fixed SQL fragments only
    if measure != "active":
        return joined, params
    spans_where, spans_params = area.on_copied_area("s")
    return f"{history.displayed_own(spans_where)}\n  UNION\n  {joined}", {**params, **spans_params}


async def households_by_commune(measure: str, area: AreaFilter, params: dict) -> dict[str, int]:
    """Commune code -> households counted by ``measure`` (a key of HOUSEHOLDS) in the area."""
    counted, area_params = _counted(measure, area)
    sql = f"""SELECT commune AS key, COUNT(*) AS n FROM ({counted}
) counted GROUP BY commune"""  # noqa: S608 - fixed SQL fragments only
    rows = await run(sql, {**params, **area_params})
    return {r["key"]: r["n"] for r in rows}


async def transactions_by_market(area: AreaFilter, params: dict) -> list[dict]:
    """Rows (key, n, value): orders counted as transactions per marketplace, and their value."""
    where, area_params = area.on_commune_code("COALESCE(hh.commune, co.commune)")
    sql = history.transactions_by_market(where)
    return await run(sql, {**params, **area_params})
