"""BatchedReads: a lone read goes at once; reads arriving while queries run go together."""

from __future__ import annotations

import asyncio

import pytest

from agrimarket.db import BatchedReads
from tests.waiting import until


class Store:
    """A read_many that records each query's keys and, while ``gate`` is clear, holds them."""

    def __init__(self) -> None:
        self.queries: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_on: set[int] = set()

    async def read_many(self, keys: list[int]) -> list[str | None]:
        self.queries.append(keys)
        await self.gate.wait()
        if self.fail_on & set(keys):
            raise ConnectionError("database gone")
        return [f"row {key}" if key > 0 else None for key in keys]


async def test_a_lone_read_is_sent_at_once_and_answered():
    store = Store()
    reads = BatchedReads(store.read_many)
    assert await reads.read(7) == "row 7"
    assert await reads.read(-1) is None  # nothing found
    assert store.queries == [[7], [-1]]


async def test_reads_arriving_while_queries_run_go_together_in_order_and_at_most_size():
    store = Store()
    store.gate.clear()
    reads = BatchedReads(store.read_many, size=3, in_flight=1)
    first = asyncio.ensure_future(reads.read(1))
    await until(lambda: store.queries == [[1]])
    later = [asyncio.ensure_future(reads.read(key)) for key in (2, 3, 4, 5, -6)]
    await until(lambda: reads.waiting() == 5)
    store.gate.set()
    assert await first == "row 1"
    assert await asyncio.gather(*later) == ["row 2", "row 3", "row 4", "row 5", None]
    assert store.queries == [[1], [2, 3, 4], [5, -6]]
    assert reads.waiting() == 0


async def test_a_failed_query_fails_its_own_reads_only():
    store = Store()
    store.gate.clear()
    store.fail_on = {2}
    reads = BatchedReads(store.read_many, size=2, in_flight=1)
    first = asyncio.ensure_future(reads.read(1))
    await until(lambda: store.queries == [[1]])
    failing = [asyncio.ensure_future(reads.read(key)) for key in (2, 3)]
    after = asyncio.ensure_future(reads.read(4))
    await until(lambda: reads.waiting() == 3)
    store.gate.set()
    assert await first == "row 1"
    for read in failing:
        with pytest.raises(ConnectionError):
            await read
    assert await after == "row 4"  # the next query went all the same
    assert store.queries == [[1], [2, 3], [4]]


async def test_a_read_whose_request_went_away_leaves_the_others_their_answers():
    store = Store()
    store.gate.clear()
    reads = BatchedReads(store.read_many, in_flight=1)
    first = asyncio.ensure_future(reads.read(1))
    await until(lambda: store.queries == [[1]])
    gone, kept = asyncio.ensure_future(reads.read(2)), asyncio.ensure_future(reads.read(3))
    await until(lambda: reads.waiting() == 2)
    gone.cancel()
    store.gate.set()
    assert await first == "row 1"
    assert await kept == "row 3"
    assert gone.cancelled()
    assert store.queries == [[1], [2, 3]]
