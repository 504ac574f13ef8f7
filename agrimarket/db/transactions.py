"""The one transaction every write of the three apps runs in."""

from __future__ import annotations

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from agrimarket.tables import Product


def write_transaction():
    """The transaction every write of the three apps runs in.

    On SQLite it is ``BEGIN IMMEDIATE``: the write lock is taken at BEGIN, so a transaction that
    reads first never fails to upgrade its lock when another process wrote meanwhile. On PostgreSQL
    it is an ordinary transaction. Nested inside another, it joins it.
    """
    engine = Product._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()
