"""The PostgreSQL Litestar store: values, expiry, namespaces, and increments that never lose a count."""

from __future__ import annotations

import asyncio

import pytest

from agrimarket.web.stores import PostgresStore
from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="the store is PostgreSQL SQL")


async def test_values_expire_and_renew():
    store = PostgresStore().with_namespace("t")
    await store.set("a", "one", expires_in=60)
    await store.set("b", b"two", expires_in=-1)  # already expired
    assert await store.get("a") == b"one"
    assert await store.get("b") is None
    assert 55 <= (await store.expires_in("a") or 0) <= 60
    await store.get("a", renew_for=600)
    assert (await store.expires_in("a") or 0) > 500
    await store.delete("a")
    assert not await store.exists("a")


async def test_delete_all_clears_its_namespace_only():
    root = PostgresStore("root_ns")
    mine, other = root.with_namespace("x"), PostgresStore("other_ns")
    await mine.set("k", "1")
    await other.set("k", "2")
    await root.delete_all()
    assert await mine.get("k") is None
    assert await other.get("k") == b"2"


async def test_concurrent_increments_count_every_request():
    store = PostgresStore().with_namespace("counter")
    counts = await asyncio.gather(*(store.increment("c", 60) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))


async def test_an_expired_counter_starts_again_at_one():
    store = PostgresStore().with_namespace("window")
    await store.set("c", "7", expires_in=-1)
    assert await store.increment("c", 60) == 1
