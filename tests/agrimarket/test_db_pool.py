"""The PostgreSQL pool the app opens (agrimarket.db.open_pool): a released connection costs no
second round trip, yet a transaction left open on it is still rolled back."""

from __future__ import annotations

import asyncio

import pytest

from agrimarket.db import build_engine, close_pool, open_pool
from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="only PostgreSQL has a pool")


@pytest.fixture
async def pool(settings):
    engine = build_engine(settings)
    await open_pool(engine, 2)
    yield engine.pool
    await close_pool(engine)


async def test_release_sends_no_session_reset_query(pool):
    async with pool.acquire() as watcher:
        async with pool.acquire() as connection:
            backend = connection.get_server_pid()
            await connection.fetchval("SELECT 41 + 1")
        # asyncpg's default reset would have sent "SELECT pg_advisory_unlock_all(); CLOSE ALL; …".
        last = await watcher.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", backend)
    assert last == "SELECT 41 + 1"


async def test_a_transaction_left_open_is_rolled_back_on_release(pool):
    async with pool.acquire() as connection:
        backend = connection.get_server_pid()
        await connection.execute("CREATE TEMP TABLE left_open (n int)")
        await connection.execute("BEGIN")
        await connection.execute("INSERT INTO left_open VALUES (1)")
    async with pool.acquire() as again:
        assert again.get_server_pid() == backend  # the same connection, and its temporary table
        assert not again.is_in_transaction()
        assert await again.fetchval("SELECT count(*) FROM left_open") == 0


async def test_the_engine_remembers_the_loop_its_pool_belongs_to(settings):
    # Background loops (stamp renderer, scan flusher) compare it with theirs: asyncpg keeps it private.
    engine = build_engine(settings)
    assert engine.pool_loop is None
    await open_pool(engine, 1)
    assert engine.pool_loop is asyncio.get_running_loop()
    await close_pool(engine)
    assert engine.pool is None and engine.pool_loop is None
