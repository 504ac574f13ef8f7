"""Independent reads side by side (agrimarket.db.gather_reads): in order, a few at once, on their own
connections on PostgreSQL, one at a time inside a transaction, and a failure is its own error."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest

from agrimarket.db import gather_reads
from agrimarket.tables import Province
from tests.conftest import ENGINE
from tests.waiting import until

GATE = 424242  # the advisory lock the PostgreSQL reads queue behind


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
    held = f"SELECT pg_backend_pid() AS pid, pg_advisory_xact_lock_shared({GATE}) IS NULL AS passed"
    waiting = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    gate = await asyncpg.connect(os.environ["DATABASE_URL"])

    async def all_four_wait() -> bool:
        return await gate.fetchval(waiting, GATE) == 4

    try:
        await gate.execute(f"SELECT pg_advisory_lock({GATE})")
        reads = asyncio.gather(gather_reads(*(Province.raw(held) for _ in range(4)), limit=4))
        # All four wait at the closed gate at the same time: they can only be on four connections.
        await until(all_four_wait, timeout=20, what="four reads waiting at once")
        await gate.execute(f"SELECT pg_advisory_unlock({GATE})")
        [rows] = await reads
    finally:
        await gate.close()
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
            await asyncio.Event().wait()  # never set: only the cancel ends it
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def broken() -> None:
        await asyncio.sleep(0.01)
        raise ConnectionResetError("the database went away")

    with pytest.raises(ConnectionResetError, match="went away"):
        await gather_reads(slow(), broken())
    assert cancelled.is_set()
