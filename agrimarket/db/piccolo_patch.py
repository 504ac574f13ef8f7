"""The one patch of Piccolo's internals: PostgreSQL transactions that survive a lost connection.

Verified against the Piccolo versions pyproject.toml allows (``piccolo>=1.38.0,<1.39``).
``ResilientTransaction`` re-implements ``PostgresTransaction.__aenter__``/``__aexit__`` and reads
its private state (``_parent``, ``_committed``, ``_rolled_back``, ``context``); ``ResilientPostgresEngine``
overrides ``transaction()`` and the private ``_run_in_new_connection()``.
tests/agrimarket/test_piccolo_patch.py fails loudly when any of these change shape: re-check
this module against Piccolo's source before widening the range.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

# Seconds to open a PostgreSQL connection: an unreachable server fails the request, not hangs it.
PG_CONNECT_TIMEOUT_S = 5
log = logging.getLogger(__name__)


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
    """PostgresEngine whose transactions and one-off connections survive a lost connection, and
    which remembers the event loop its pool was opened on (asyncpg keeps that private)."""

    pool_loop: asyncio.AbstractEventLoop | None = None

    async def start_connection_pool(self, **kwargs: Any) -> None:
        await super().start_connection_pool(**kwargs)
        self.pool_loop = asyncio.get_running_loop()

    async def close_connection_pool(self) -> None:
        await super().close_connection_pool()
        self.pool_loop = None

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ResilientTransaction(engine=self, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args: Sequence[Any] | None = None):
        async with one_off_connection(self) as connection:
            return await connection.fetch(query, *(args or []))


@contextlib.asynccontextmanager
async def one_off_connection(engine: PostgresEngine) -> AsyncIterator[Any]:
    """A one-off connection, closed however its use ends (Piccolo closes it only on a PostgresError)."""
    connection = await engine.get_new_connection()
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            await connection.close(timeout=PG_CONNECT_TIMEOUT_S)
