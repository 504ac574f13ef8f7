"""A per-marketplace send schedule shared by all worker processes through one database row.

Each API call takes the next free slot with one atomic UPDATE (next_slot = max(next_slot, now) +
interval) and sleeps until its slot, so call starts are at least ``interval`` apart across every
process. Every call is paced, not every listing operation: one Shopee operation is 3-6 calls.
Workers aim a little under the partner's limit so network jitter cannot push a burst over it.
Workers claim a job only when its marketplace's next slot is close (``outbox.claim``), so a
saturated marketplace never holds a worker that another marketplace could use. Clocks of all
worker hosts are assumed NTP-synchronised.
"""

from __future__ import annotations

import asyncio
import time

from agrimarket.db import fetch_direct
from integrations.db import is_postgres
from integrations.tables import Marketplace, RateBucket

HEADROOM = 0.93
RATES_TTL_S = 30.0  # the registered limits are read again this often
# A call that starts later than this after its slot (its process stalled, or the database answered
# late) would land among the next calls' starts: it takes a new slot instead. Calls late by at most
# LATE_S add at most LATE_S * rate to any one second, half of the margin HEADROOM leaves.
LATE_S = (1 - HEADROOM) / 2
RETAKES = 3  # then the call goes, late: a process stalled at every slot cannot wait forever


def _greatest() -> str:
    return "GREATEST" if is_postgres() else "MAX"


async def acquire(marketplace: str, rate_per_s: float, *, clock=time.time, sleep=asyncio.sleep) -> None:
    """Wait for this call's slot; a slot missed by more than LATE_S is given up for a new one."""
    if rate_per_s <= 0:
        return
    interval = 1.0 / (rate_per_s * HEADROOM)
    for _ in range(RETAKES):
        slot = await _take_slot(marketplace, interval, clock())
        wait = slot - clock()
        if wait > 0:
            await sleep(wait)
        if clock() - slot <= LATE_S:
            return


async def _take_slot(marketplace: str, interval: float, now: float) -> float:
    """The start of the next free slot (now, if the marketplace is idle), reserved for this call.

    One upsert, as ``hold`` writes: the first call to a marketplace makes its row."""
    sql = (
        "INSERT INTO rate_bucket (marketplace, next_slot) VALUES ({}, {}) ON CONFLICT (marketplace) "  # noqa: S608 - function name only
        f"DO UPDATE SET next_slot = {_greatest()}(rate_bucket.next_slot + {{}}, excluded.next_slot) "
        "RETURNING next_slot"
    )
    rows = await fetch_direct(RateBucket, sql, marketplace, now + interval, interval)
    return rows[0]["next_slot"] - interval


async def hold(marketplace: str, seconds: float) -> None:
    """The marketplace said "slow down" (429, Retry-After): no process sends to it for ``seconds``.

    Written even for a marketplace with no schedule row yet (one registered without a rate limit
    paces no call, so none made it): its jobs are then not claimed until the hold ends."""
    sql = (
        "INSERT INTO rate_bucket (marketplace, next_slot) VALUES ({}, {}) ON CONFLICT (marketplace) "  # noqa: S608 - function name only
        f"DO UPDATE SET next_slot = {_greatest()}(rate_bucket.next_slot, excluded.next_slot)"
    )
    await fetch_direct(RateBucket, sql, marketplace, time.time() + seconds)


async def next_slot(marketplace: str) -> float:
    row = await RateBucket.select(RateBucket.next_slot).where(RateBucket.marketplace == marketplace).first()
    return row["next_slot"] if row else 0.0


class Pacer:
    """Paces every API call to a marketplace (an httpx request hook, see ``registry.Adapters``)."""

    def __init__(self) -> None:
        self._rates: dict[str, float] = {}
        self._read_at = 0.0

    async def rate(self, marketplace: str) -> float:
        if time.monotonic() - self._read_at > RATES_TTL_S or marketplace not in self._rates:
            rows = await Marketplace.select(Marketplace.code, Marketplace.rate_limit_per_s)
            self._rates = {r["code"]: r["rate_limit_per_s"] for r in rows}
            self._read_at = time.monotonic()
        return self._rates.get(marketplace, 0.0)

    async def before_call(self, marketplace: str) -> None:
        await acquire(marketplace, await self.rate(marketplace))
