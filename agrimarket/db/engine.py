"""The database engine built from settings (SQLite in WAL mode, or PostgreSQL), and its pool."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from agrimarket.db.piccolo_patch import PG_CONNECT_TIMEOUT_S, ResilientPostgresEngine
from agrimarket.settings import Settings, SettingsError

SQLITE_BUSY_TIMEOUT_S = 30


def build_engine(settings: Settings) -> Engine:
    """A new engine for ``settings.database_url`` (piccolo_conf builds the tables' one with it)."""
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(str(path))
        # The timeout is the busy timeout: web requests and the sync worker write to one file.
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    return ResilientPostgresEngine(config=_postgres_config(settings.database_url))


def engine_for(settings: Settings, tables_engine: Engine) -> Engine:
    """The tables' engine, after checking it is the database ``settings`` names.

    Piccolo binds every table to one engine per process (piccolo_conf's ``DB``, built from the
    environment's DATABASE_URL), so an app given another DATABASE_URL cannot talk to that database:
    it is refused by name here instead of quietly serving the environment's.
    """
    if not _same_database(tables_engine, settings.database_url):
        raise SettingsError(
            f"DATABASE_URL {_without_password(settings.database_url)!r} is not the database the tables "
            "are bound to (piccolo_conf reads DATABASE_URL from the environment): set it there"
        )
    return tables_engine


def _same_database(engine: Engine, url: str) -> bool:
    if isinstance(engine, SQLiteEngine):
        return (
            url.startswith("sqlite:///")
            and Path(engine.path).resolve() == Path(url.removeprefix("sqlite:///")).resolve()
        )
    if isinstance(engine, PostgresEngine) and not url.startswith("sqlite:///"):
        wanted = _postgres_config(url)
        return all(engine.config.get(key) == wanted[key] for key in ("host", "port", "user", "database"))
    return False


def _postgres_config(database_url: str) -> dict[str, Any]:
    url = urlsplit(database_url)
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or "",
        "database": url.path.lstrip("/") or "postgres",
        "timeout": PG_CONNECT_TIMEOUT_S,
    }


def _without_password(database_url: str) -> str:
    url = urlsplit(database_url)
    if not url.password:
        return database_url
    return url._replace(netloc=url.netloc.replace(f":{url.password}@", ":***@")).geturl()


async def open_pool(engine: Engine, size: int) -> None:
    """Open the PostgreSQL connection pool (SQLite has none; size 0: a connection per query).

    A start-up step (``agrimarket.startup``): it fails while the server is unreachable, and is
    retried until it succeeds.
    """
    if isinstance(engine, PostgresEngine) and size and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=size, reset=_keep_session)


async def _keep_session(connection: Any) -> None:
    """The pool's reset on release, after asyncpg's own (an open transaction is rolled back).

    asyncpg's default also runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``: a
    second round trip after every query. The app holds no advisory lock, cursor, LISTEN or session
    setting across queries, so there is nothing for it to undo.
    """


async def close_pool(engine: Engine) -> None:
    """Close the pool if start-up got to open one."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def _enable_wal(path: str) -> None:
    # WAL is a property of the file, so setting it once at start-up is enough.
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
