"""Load at a fixed rate: each call starts on the clock, not after the one before it ended (a
call's own time would otherwise lower the rate: 100/s with 7 ms calls ran at 59/s)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def paced(count: int, rate: float, one: Callable[[int], Awaitable[Any]]) -> None:
    """``one(i)`` for i in range(count), started every 1/rate s, all awaited."""
    start = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
