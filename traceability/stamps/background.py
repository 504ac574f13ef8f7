"""What the stamps' background loops (the label renderer in ``jobs``, the scan-log flusher in
``scan``) share: whether this event loop may use the database engine."""

from __future__ import annotations

import asyncio

from traceability.tables import StampIssue


def engine_usable() -> bool:
    """False while a PostgreSQL pool opened by another event loop is in use (a seed script, a test).

    asyncpg connections belong to the loop that made them; a background loop must not borrow them.
    """
    pool = getattr(StampIssue._meta.db, "pool", None)
    loop = getattr(pool, "_loop", None)
    return loop is None or loop is asyncio.get_running_loop()
