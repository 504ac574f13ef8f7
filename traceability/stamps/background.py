"""What the stamps' background loops (the label renderer in ``jobs``, the scan-log flusher in
``scan``) share: whether this event loop may use the database engine."""

from __future__ import annotations

import asyncio

from agrimarket.db import ResilientPostgresEngine
from traceability.tables import StampIssue


def engine_usable() -> bool:
    """False while a PostgreSQL pool opened by another event loop is in use (a seed script, a test).

    asyncpg connections belong to the loop that made them; a background loop must not borrow them.
    """
    engine = StampIssue._meta.db
    if not isinstance(engine, ResilientPostgresEngine) or engine.pool is None:
        return True
    return engine.pool_loop is asyncio.get_running_loop()
