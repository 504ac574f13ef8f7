"""Database engine from settings, and the few engine-level concerns (SQLite pragmas, lost connections)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from agrimarket.settings import Settings
from agrimarket.tables import Product

T = TypeVar("T")
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
        async with _new_connection(self) as connection:
            return await connection.fetch(query, *(args or []))


@contextlib.asynccontextmanager
async def _new_connection(engine: PostgresEngine) -> AsyncIterator[Any]:
    """A one-off connection, closed however its use ends (Piccolo closes it only on a PostgresError)."""
    connection = await engine.get_new_connection()
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            await connection.close(timeout=PG_CONNECT_TIMEOUT_S)


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


# The busiest page's read and the scan log's write go straight through asyncpg on PostgreSQL:
# Piccolo's raw() parses its template, converts every row to a dict, and for a 200-row INSERT
# handles 800 parameters in Python, which cost 5 % and 3 % of the scan page's throughput.


async def fetch_direct(table: type[Table], template: str, *args: Any) -> Sequence[Mapping[str, Any]]:
    """The rows of ``table.raw(template, *args)`` (``{}`` placeholders, no literal braces); on
    PostgreSQL through asyncpg itself, rows read by column name like Piccolo's dicts."""
    engine = table._meta.db
    if not isinstance(engine, PostgresEngine):
        return await table.raw(template, *args)
    async with _connection(engine) as connection:
        return await connection.fetch(_numbered(template), *args)


async def copy_rows(table: type[Table], columns: Sequence[str], rows: Sequence[tuple]) -> bool:
    """Writes ``rows`` with PostgreSQL's binary COPY (triggers fire as for an INSERT); False on
    another engine, where the caller INSERTs them."""
    engine = table._meta.db
    if not isinstance(engine, PostgresEngine):
        return False
    async with _connection(engine) as connection:
        await connection.copy_records_to_table(table._meta.tablename, records=rows, columns=list(columns))
    return True


@contextlib.asynccontextmanager
async def _connection(engine: PostgresEngine) -> AsyncIterator[Any]:
    """The connection Piccolo would use: the current transaction's, one of the pool, or a new one."""
    transaction = engine.current_transaction.get()
    if transaction is not None:
        yield transaction.connection
    elif engine.pool is not None:
        async with engine.pool.acquire() as connection:
            yield connection
    else:
        async with _new_connection(engine) as connection:
            yield connection


# Independent reads of one answer run side by side, each on a connection of its own: the officer
# dashboard's twenty-odd queries took 1.5 s one after another at 130,000 households. A few at once
# leave the rest of the pool (DB_POOL_SIZE) to other requests.
READS_AT_ONCE = 4


async def gather_reads(*reads: Awaitable[T], limit: int = READS_AT_ONCE) -> list[T]:
    """The results of ``reads`` (read-only queries), in order, at most ``limit`` running at once.

    Inside a transaction they run one after another: its one connection takes one query at a time.
    If one fails, the others are cancelled and its own error is raised (not an exception group, so
    the app's handlers still tell a lost database from a bug).
    """
    engine = engine_finder()
    if engine is not None and engine.transaction_exists():
        limit = 1
    gate = asyncio.Semaphore(limit)

    async def one(read: Awaitable[T]) -> T:
        async with gate:
            return await read

    tasks = [asyncio.ensure_future(one(read)) for read in reads]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@lru_cache(maxsize=64)
def _numbered(template: str) -> str:
    """Piccolo's ``{}`` placeholders as PostgreSQL's ``$1, $2, …``."""
    parts = template.split("{}")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


def _enable_wal(path: str) -> None:
    # WAL is a property of the file, so setting it once at start-up is enough.
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
