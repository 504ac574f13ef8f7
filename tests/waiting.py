"""Waiting for a condition, not for time: the one polling helper of the suite.

A test that needs something to happen in another task, thread or process waits until it has happened
(checked every ``every`` seconds, at most 0.2), with a generous timeout that only a bug reaches.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

POLL_S = 0.02


async def until(
    condition: Callable[[], Any | Awaitable[Any]],
    timeout: float = 60.0,
    every: float = POLL_S,
    what: str = "",
) -> Any:
    """Wait until ``condition()`` (plain or async) is truthy and return its value; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or 'the condition'}")
        await asyncio.sleep(every)


def until_sync(
    condition: Callable[[], Any], timeout: float = 60.0, every: float = POLL_S, what: str = ""
) -> Any:
    """``until`` for code without an event loop (a thread, a forked child, a sync test)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or 'the condition'}")
        time.sleep(every)
