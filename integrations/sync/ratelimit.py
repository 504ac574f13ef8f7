"""A per-marketplace send schedule shared by all worker processes through one database row.

Each request takes the next free slot with one atomic UPDATE (next_slot = max(next_slot, now) +
interval) and sleeps until its slot, so request starts are at least ``interval`` apart across
every process. Workers aim a little under the partner's limit so network jitter cannot push a
burst over it. Clocks of all worker hosts are assumed NTP-synchronised.
"""

from __future__ import annotations

import asyncio
import time

from integrations.db import is_postgres
from integrations.tables import RateBucket

HEADROOM = 0.93


async def acquire(marketplace: str, rate_per_s: float) -> None:
    if rate_per_s <= 0:
        return
    interval = 1.0 / (rate_per_s * HEADROOM)
    now = time.time()
    greatest = "GREATEST" if is_postgres() else "MAX"
    sql = (
        f"UPDATE rate_bucket SET next_slot = {greatest}(next_slot, {{}}) + {{}} "  # noqa: S608 - function name only
        "WHERE marketplace = {} RETURNING next_slot"
    )
    rows = await RateBucket.raw(sql, now, interval, marketplace)
    if not rows:
        await RateBucket.insert(RateBucket(marketplace=marketplace, next_slot=0.0)).on_conflict(
            action="DO NOTHING"
        )
        rows = await RateBucket.raw(sql, now, interval, marketplace)
    wait = rows[0]["next_slot"] - interval - time.time()
    if wait > 0:
        await asyncio.sleep(wait)
