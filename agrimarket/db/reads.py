"""Independent reads of one answer, side by side on connections of their own (``gather_reads``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from piccolo.engine.finder import engine_finder

T = TypeVar("T")
# The officer dashboard's twenty-odd queries took 1.5 s one after another at 130,000 households.
# A few at once leave the rest of the pool (DB_POOL_SIZE) to other requests.
READS_AT_ONCE = 4


async def gather_reads(*reads: Awaitable[T], limit: int = READS_AT_ONCE) -> list[T]:
    """The results of ``reads`` (read-only queries), in order, at most ``limit`` running at once.

    Inside a transaction they run one after another: its one connection takes one query at a time.
    If one fails, the others are cancelled and its own error is raised (not an exception group, so
    the app's handlers still tell a lost database from a bug).
    """
    engine = engine_finder()
    if engine is not None and engine.transaction_exists():
        limit = 1
    gate = asyncio.Semaphore(limit)

    async def one(read: Awaitable[T]) -> T:
        async with gate:
            return await read

    tasks = [asyncio.ensure_future(one(read)) for read in reads]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
