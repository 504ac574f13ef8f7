"""Independent reads side by side (agrimarket.db.gather_reads): in order, a few at once, on their own
connections on PostgreSQL, one at a time inside a transaction, and a failure is its own error."""

from __future__ import annotations

import asyncio

import pytest

from agrimarket.db import gather_reads
from agrimarket.tables import Province
from tests.conftest import ENGINE


class Rollback(Exception):
    pass


async def test_results_come_in_order_with_at_most_the_limit_running():
    running = peak = 0

    async def read(value: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01 * (6 - value))  # the first ones finish last
        running -= 1
        return value * 10

    assert await gather_reads(*(read(v) for v in range(6)), limit=2) == [0, 10, 20, 30, 40, 50]
    assert peak == 2


async def test_database_reads_give_what_they_give_one_by_one():
    codes = "SELECT code FROM province ORDER BY code LIMIT {}"
    together = await gather_reads(*(Province.raw(codes, n) for n in (1, 2, 3)))
    assert together == [await Province.raw(codes, n) for n in (1, 2, 3)]
    assert [len(rows) for rows in together] == [1, 2, 3]


@pytest.mark.skipif(ENGINE != "postgres", reason="SQLite has no server backends to tell apart")
async def test_on_postgresql_the_reads_run_at_once_on_several_connections():
    slow = "SELECT pg_backend_pid() AS pid, pg_sleep(0.3) IS NULL AS slept"
    rows = await gather_reads(*(Province.raw(slow) for _ in range(4)), limit=4)
    assert len({r[0]["pid"] for r in rows}) == 4


async def test_inside_a_transaction_they_run_one_at_a_time_on_its_connection():
    new = {"code": "ZY", "name": "Tỉnh thử", "division_type": "tỉnh", "codename": "thu", "search_key": "thu"}
    read = "SELECT name FROM province WHERE code = {}"
    with pytest.raises(Rollback):
        async with Province._meta.db.transaction():
            await Province.insert(Province(**new))
            # On PostgreSQL two queries at once on the transaction's connection would fail.
            rows = await gather_reads(*(Province.raw(read, "ZY") for _ in range(3)))
            assert rows == [[{"name": "Tỉnh thử"}]] * 3
            raise Rollback
    assert await Province.raw(read, "ZY") == []


async def test_a_failing_read_cancels_the_others_and_raises_its_own_error():
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def broken() -> None:
        await asyncio.sleep(0.01)
        raise ConnectionResetError("the database went away")

    with pytest.raises(ConnectionResetError, match="went away"):
        await gather_reads(slow(), broken())
    assert cancelled.is_set()
