"""The one transaction every write of the three apps runs in."""

from __future__ import annotations

import asyncio

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

from agrimarket.tables import Product


class _ImmediateTransaction(SQLiteTransaction):
    """Piccolo's ``BEGIN IMMEDIATE`` transaction, but one whose BEGIN, cancelled, takes no lock with it.

    Cancelling the task only stops waiting for the BEGIN: aiosqlite's thread still runs it, and once
    the other writer commits it holds the write lock on a connection Piccolo never rolls back or
    closes (its ``__aexit__`` does not run), so every later write fails with "database is locked".
    ``stop()`` queues the close behind the BEGIN in that same thread (closing rolls back) without
    awaiting it, so the canceller does not wait out the busy timeout.
    """

    async def begin(self) -> None:
        try:
            await super().begin()
        except asyncio.CancelledError:
            self.connection.stop()
            raise


def write_transaction():
    """The transaction every write of the three apps runs in.

    On SQLite it is ``BEGIN IMMEDIATE``: the write lock is taken at BEGIN, so a transaction that
    reads first never fails to upgrade its lock when another process wrote meanwhile. On PostgreSQL
    it is an ordinary transaction. Nested inside another, it joins it.
    """
    engine = Product._meta.db
    if isinstance(engine, SQLiteEngine):
        return _ImmediateTransaction(engine, transaction_type=TransactionType.immediate)
    return engine.transaction()
