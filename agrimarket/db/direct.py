"""Reads and writes straight through asyncpg on PostgreSQL, for the few hot paths that need it.

The busiest page's read and the scan log's write go straight through asyncpg on PostgreSQL:
Piccolo's raw() parses its template, converts every row to a dict, and for a 200-row INSERT
handles 800 parameters in Python, which cost 5 % and 3 % of the scan page's throughput.
Only asyncpg's public API is used (``fetch``, ``copy_records_to_table``, ``Pool.acquire``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from agrimarket.db.piccolo_patch import one_off_connection


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
        async with one_off_connection(engine) as connection:
            yield connection


@lru_cache(maxsize=256)
def _numbered(template: str) -> str:
    """Piccolo's ``{}`` placeholders as PostgreSQL's ``$1, $2, …``."""
    parts = template.split("{}")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]
