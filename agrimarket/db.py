"""Database engine from settings, and the few engine-level concerns (SQLite pragmas, lost connections)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine

from agrimarket.settings import Settings

SQLITE_BUSY_TIMEOUT_S = 30
# Seconds to open a PostgreSQL connection: an unreachable server fails the request, not hangs it.
PG_CONNECT_TIMEOUT_S = 5
log = logging.getLogger(__name__)


def build_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(str(path))
        # The timeout is the busy timeout: web requests and the sync worker write to one file.
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    url = urlsplit(settings.database_url)
    return ResilientPostgresEngine(
        config={
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 5432,
            "user": url.username or "postgres",
            "password": url.password or "",
            "database": url.path.lstrip("/") or "postgres",
            "timeout": PG_CONNECT_TIMEOUT_S,
        }
    )


class ResilientTransaction(PostgresTransaction):
    """Piccolo's transaction, but one whose connection dies (server restart) is still cleaned up.

    Piccolo releases the connection and resets its "current transaction" only when ROLLBACK or
    COMMIT succeeds. When the server went away both fail, so each broken transaction held on to its
    pool slot (requests queued for connections after a restart), and a long-lived task (sync
    worker, stamp renderer) stayed inside the dead transaction. The error that broke the
    transaction is the one raised, not the ROLLBACK's.
    """

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    try:
                        await self.rollback()
                    except Exception as rollback_error:  # the connection is gone: so is the transaction
                        log.debug("rollback failed after %r: %r", exception, rollback_error)
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._release()
        return exception is None

    async def _release(self) -> None:
        # The pool terminates a connection it cannot reset (and frees its slot), then re-raises: the
        # caller's outcome is already decided, so that error is not the request's.
        with contextlib.suppress(Exception):
            if self.engine.pool:
                await self.engine.pool.release(self.connection, timeout=PG_CONNECT_TIMEOUT_S)
            else:
                await self.connection.close(timeout=PG_CONNECT_TIMEOUT_S)


class ResilientPostgresEngine(PostgresEngine):
    """PostgresEngine whose transactions and one-off connections survive a lost connection."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ResilientTransaction(engine=self, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args: Sequence[Any] | None = None):
        # Piccolo closes the connection only on a PostgresError; close it on any failure.
        connection = await self.get_new_connection()
        try:
            return await connection.fetch(query, *(args or []))
        finally:
            with contextlib.suppress(Exception):
                await connection.close(timeout=PG_CONNECT_TIMEOUT_S)


async def open_pool(engine: Engine, size: int) -> None:
    """Open the PostgreSQL connection pool (SQLite has none; size 0: a connection per query).

    A start-up step (``agrimarket.startup``): it fails while the server is unreachable, and is
    retried until it succeeds.
    """
    if isinstance(engine, PostgresEngine) and size and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=size)


async def close_pool(engine: Engine) -> None:
    """Close the pool if start-up got to open one."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def _enable_wal(path: str) -> None:
    # WAL is a property of the file, so setting it once at start-up is enough.
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
