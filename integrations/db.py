"""Engine-specific bits: write transactions and raw SQL dialect differences."""

from __future__ import annotations

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from integrations.tables import SyncJob


def engine():
    return SyncJob._meta.db


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)


def write_transaction():
    """A transaction that writes: SQLite takes the write lock up front (no lock-upgrade failures)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()
