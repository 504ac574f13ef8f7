"""PostgreSQL in tests: a connection pool per event loop, as the app has one in its only loop.

The suite runs the app in several loops at once: the tests' own, the test client's (a thread per
client), a live server's. asyncpg connections belong to the loop that opened them, so one engine-wide
pool cannot serve them all, and without one every query outside a transaction opened and closed a
connection of its own (~5 ms each, thousands in a fuzzing test). Here the engine's ``pool`` is the
pool of the running loop: an app opens it at start-up and closes it at shutdown in its own loop
(agrimarket.app), and a loop without one (the tests', a worker thread's) connects per query as before.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from agrimarket.db import ResilientPostgresEngine


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class PerLoopPoolEngine(ResilientPostgresEngine):
    """The tables' engine, with ``pool`` and ``pool_loop`` those of the running event loop."""

    _pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any]

    @property  # type: ignore[override]
    def pool(self) -> Any:
        loop = _running_loop()
        return self._pools.get(loop) if loop is not None else None

    @pool.setter
    def pool(self, value: Any) -> None:
        loop = _running_loop()
        if loop is None:  # Piccolo's __init__ (no pool yet)
            return
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value

    @property  # type: ignore[override]
    def pool_loop(self) -> asyncio.AbstractEventLoop | None:
        return _running_loop() if self.pool is not None else None

    @pool_loop.setter
    def pool_loop(self, value: asyncio.AbstractEventLoop | None) -> None:
        pass  # follows from ``pool``


def pool_per_loop(engine: ResilientPostgresEngine) -> None:
    """Turn the tables' engine (made by piccolo_conf) into one with a pool per event loop."""
    assert engine.pool is None, "a pool opened before the tests began"
    engine.__class__ = PerLoopPoolEngine
    engine._pools = weakref.WeakKeyDictionary()


def open_pools(engine: ResilientPostgresEngine) -> list[Any]:
    """The pools open on ``engine`` in any event loop (an app's, while it runs)."""
    return list(engine._pools.values()) if isinstance(engine, PerLoopPoolEngine) else []
