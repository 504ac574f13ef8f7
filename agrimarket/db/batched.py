"""Reads asked for at the same moment, sent to the database as one query.

Under load, most of a one-row read's cost is the round trip itself (the query's send, the
server's parse-bind-execute, the wake-up, the pool) rather than the row. ``BatchedReads`` sends
the first read at once and, while ``in_flight`` queries are under way, gathers the reads that
arrive meanwhile into the next one (up to ``size``): a quiet page waits for nothing, a busy one
sends one query for many requests.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class _Waiting(Generic[K, V]):
    """One event loop's reads not yet sent, and how many of its queries are under way (tests serve
    the app in a loop of their own)."""

    reads: list[tuple[K, asyncio.Future[V | None]]] = field(default_factory=list)
    in_flight: int = 0


class BatchedReads(Generic[K, V]):
    """``await read(key)``: the value ``read_many`` gives for ``key`` (None: nothing found);
    ``read_many(keys)`` answers each key of one query in order."""

    def __init__(
        self,
        read_many: Callable[[list[K]], Awaitable[Sequence[V | None]]],
        size: int = 32,
        in_flight: int = 2,
    ) -> None:
        self.read_many = read_many
        self.size = size
        self.in_flight = in_flight
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waiting[K, V]] = (
            weakref.WeakKeyDictionary()
        )

    async def read(self, key: K) -> V | None:
        loop = asyncio.get_running_loop()
        waiting = self._loops.get(loop)
        if waiting is None:
            waiting = self._loops[loop] = _Waiting()
        answer: asyncio.Future[V | None] = loop.create_future()
        waiting.reads.append((key, answer))
        if waiting.in_flight < self.in_flight:
            waiting.in_flight += 1
            # Started on the next turn of the loop, so the reads of requests ready in this one join it.
            loop.call_soon(self._send, loop, waiting)
        return await answer

    def waiting(self) -> int:
        """How many reads of the running event loop wait for a query to be sent."""
        waiting = self._loops.get(asyncio.get_running_loop())
        return len(waiting.reads) if waiting else 0

    def _send(self, loop: asyncio.AbstractEventLoop, waiting: _Waiting[K, V]) -> None:
        reads, waiting.reads = waiting.reads[: self.size], waiting.reads[self.size :]
        if not reads:
            waiting.in_flight -= 1
            return
        loop.create_task(self._query(loop, waiting, reads))

    async def _query(
        self,
        loop: asyncio.AbstractEventLoop,
        waiting: _Waiting[K, V],
        reads: list[tuple[K, asyncio.Future[V | None]]],
    ) -> None:
        try:
            values = await self.read_many([key for key, _ in reads])
            # Paired before any answer is set: an answer missing fails every read, none waits forever.
            answered = list(zip(reads, values, strict=True))
        except BaseException as error:  # each request of this query fails as its own read would have
            for _, answer in reads:
                if not answer.done():
                    answer.set_exception(error) if isinstance(error, Exception) else answer.cancel()
            if not isinstance(error, Exception):
                raise
        else:
            for (_, answer), value in answered:
                if not answer.done():  # a request whose client went away no longer waits
                    answer.set_result(value)
        finally:
            self._send(loop, waiting)  # the reads that arrived meanwhile, if any
