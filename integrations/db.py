"""Engine-specific bits: raw SQL dialect differences (writes use agrimarket.db.write_transaction)."""

from __future__ import annotations

from piccolo.engine.postgres import PostgresEngine

from integrations.tables import SyncJob


def engine():
    return SyncJob._meta.db


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)
