"""Database engine from settings, and the few engine-level concerns (SQLite pragmas)."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from agrimarket.settings import Settings

SQLITE_BUSY_TIMEOUT_S = 30


def build_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(str(path))
        # The timeout is the busy timeout: web requests and the sync worker write to one file.
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    url = urlsplit(settings.database_url)
    return PostgresEngine(
        config={
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 5432,
            "user": url.username or "postgres",
            "password": url.password or "",
            "database": url.path.lstrip("/") or "postgres",
        }
    )


def _enable_wal(path: str) -> None:
    # WAL is a property of the file, so setting it once at start-up is enough.
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
