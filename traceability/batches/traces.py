"""The traces of products: what the core's product feed shows of traceability (a query port)."""

from __future__ import annotations

from traceability.tables import Batch

CHUNK = 500  # product ids per statement: under SQLite's oldest limit of 999 parameters
# Per product, its newest batch's growing area and the first stamp of that batch still valid.
_LATEST_SQL = """
SELECT b.product, a.official_code, a.status AS area_status,
  (SELECT s.serial FROM stamp s WHERE s.batch = b.id AND s.status <> 'revoked' ORDER BY s.seq LIMIT 1) AS serial
FROM batch b JOIN growing_area a ON a.id = b.growing_area
WHERE b.product IN ({ids})
ORDER BY b.product, b.harvest_date DESC, b.id DESC
"""


async def latest_traces(product_ids: list[int]) -> dict[int, dict]:
    """{product id: {"area_code", "area_status", "serial"}} from each product's newest batch.

    ``area_code`` is None while the area has no official code; ``serial`` None when no stamp is valid.
    """
    if not product_ids:
        return {}
    traces: dict[int, dict] = {}
    for start in range(0, len(product_ids), CHUNK):
        chunk = product_ids[start : start + CHUNK]
        sql = _LATEST_SQL.replace("{ids}", ", ".join(["{}"] * len(chunk)))
        for row in await Batch.raw(sql, *chunk):
            traces.setdefault(
                row["product"],
                {
                    "area_code": row["official_code"],
                    "area_status": row["area_status"],
                    "serial": row["serial"],
                },
            )
    return traces
