"""The database layer, one module per concern; import its names from here.

- ``engine``: the engine built from settings (SQLite WAL, busy timeout) and the PostgreSQL pool;
- ``piccolo_patch``: the pinned patch of Piccolo's PostgreSQL transaction (lost connections);
- ``transactions``: ``write_transaction()``, the one transaction of every write (a cancelled BEGIN
  on SQLite leaves no lock behind);
- ``direct``: hot-path reads and COPY writes straight through asyncpg on PostgreSQL;
- ``reads``: ``gather_reads()``, independent reads side by side;
- ``batched``: ``BatchedReads``, reads asked for at the same moment sent as one query.
"""

from agrimarket.db.batched import BatchedReads
from agrimarket.db.direct import copy_rows, fetch_direct
from agrimarket.db.engine import (
    SQLITE_BUSY_TIMEOUT_S,
    build_engine,
    close_pool,
    engine_for,
    open_pool,
)
from agrimarket.db.piccolo_patch import PG_CONNECT_TIMEOUT_S, ResilientPostgresEngine, ResilientTransaction
from agrimarket.db.reads import READS_AT_ONCE, gather_reads
from agrimarket.db.transactions import write_transaction

__all__ = [
    "PG_CONNECT_TIMEOUT_S",
    "READS_AT_ONCE",
    "SQLITE_BUSY_TIMEOUT_S",
    "BatchedReads",
    "ResilientPostgresEngine",
    "ResilientTransaction",
    "build_engine",
    "close_pool",
    "copy_rows",
    "engine_for",
    "fetch_direct",
    "gather_reads",
    "open_pool",
    "write_transaction",
]
