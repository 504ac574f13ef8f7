"""A write cancelled while it waits for SQLite's write lock does not keep the lock once it gets it.

The delivery worker, killed (its task cancelled) while one of its writes waited in ``BEGIN IMMEDIATE``
behind another writer, used to leave that BEGIN to aiosqlite's thread: it took the lock as soon as the
other writer committed, on a connection nothing would ever roll back or close, and every later write
waited out the busy timeout and failed with "database is locked"
(tests/messages/test_worker_killed_under_faults.py, now and then).
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from piccolo.engine.sqlite import SQLiteEngine

from agrimarket.db import write_transaction
from agrimarket.tables import Product
from tests.conftest import ENGINE
from tests.waiting import until

pytestmark = pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite's write lock, taken at BEGIN IMMEDIATE")

# Seconds the third writer waits for the lock: far more than a free lock takes, far less than the
# app's busy timeout, which a leaked lock would make every writer wait out.
PROMPTLY_S = 2


def write_now(path: str) -> None:
    """A writer of its own (another process, say): takes the write lock and lets it go."""
    connection = sqlite3.connect(path, timeout=PROMPTLY_S, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def begun(connection) -> bool:
    """Whether a connection's queued BEGIN has run: it is in a transaction, or (after it) closed."""
    try:
        return connection.in_transaction
    except (ValueError, sqlite3.ProgrammingError):  # closed (aiosqlite's error, or sqlite3's mid-close)
        return True


async def test_a_write_cancelled_while_waiting_for_the_lock_leaves_no_lock_behind(monkeypatch):
    engine = Product._meta.db
    holding, release = asyncio.Event(), asyncio.Event()

    async def first_writer() -> None:  # its own task: Piccolo's transaction is per context
        async with write_transaction():
            holding.set()
            await release.wait()

    first = asyncio.create_task(first_writer())
    await holding.wait()

    # The second writer's BEGIN is in its connection's queue once its connection is open: nothing
    # between get_connection and the BEGIN awaits anything else, so the test wakes up only after.
    # The test keeps the connection referenced, as the killed worker's frames did (a traceback's
    # reference cycle, not yet collected): once collected, aiosqlite closes it, and the lock with it.
    connected, opened = asyncio.Event(), []
    get_connection = SQLiteEngine.get_connection

    async def signalling_get_connection(self):
        connection = await get_connection(self)
        opened.append(connection)
        connected.set()
        return connection

    monkeypatch.setattr(SQLiteEngine, "get_connection", signalling_get_connection)  # slots: not on the engine

    async def second_writer() -> None:
        async with write_transaction():
            pytest.fail("the first writer holds the lock: the second cannot have begun")

    second = asyncio.create_task(second_writer())
    await connected.wait()
    monkeypatch.undo()
    second.cancel()
    # The canceller is not held up until the lock frees: the first writer still holds it.
    await asyncio.wait_for(asyncio.gather(second, return_exceptions=True), PROMPTLY_S)
    assert second.cancelled()

    release.set()
    await first
    try:
        # Else the third writer may win the freed lock before the BEGIN (between two of its busy
        # retries) and pass whether the lock then leaks or not.
        await until(lambda: begun(opened[0]), 10, what="the cancelled BEGIN to have run")
        await asyncio.to_thread(write_now, engine.path)
    finally:
        for connection in opened:  # a leaked one (no fix) would lock the next tests and hang the exit
            connection.stop()
