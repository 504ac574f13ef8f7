"""Start-up with the database unreachable: the app starts, /readyz says why it is not ready, and
the same app becomes ready once the database answers (the background retry seeds the marketplaces).

In-process on both engines: every table is pointed at a database that cannot be opened
(PostgreSQL: a port where nothing listens; SQLite: a file that is a folder), then back.
``tests/faults/test_start_before_postgres.py`` does the same with a real server started late.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from litestar.testing import AsyncTestClient
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder

from agrimarket import startup as startup_module
from agrimarket.app import create_app
from agrimarket.startup import DatabaseStartup
from integrations.listings.service import ensure_marketplaces
from integrations.tables import Marketplace
from tests.conftest import ENGINE
from tests.faults.traffic import DB_DOWN_VI, assert_clean_503
from tests.outage import database_url, unreachable_engine

TABLES = [*Finder().get_table_classes(), Migration]


@pytest.fixture
def unreachable(settings, tmp_path):
    return unreachable_engine(settings, tmp_path)


@pytest.fixture
def database_down(unreachable, monkeypatch):
    """Every table on the unreachable engine; call the returned function to bring the database back."""
    real = {table: table._meta.db for table in TABLES}
    for table in TABLES:
        monkeypatch.setattr(table._meta, "_db", unreachable)

    def back() -> None:
        for table, engine in real.items():
            table._meta._db = engine

    return back


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(startup_module, "RETRY_FIRST_S", 0.02)
    monkeypatch.setattr(startup_module, "RETRY_MAX_S", 0.1)


async def test_steps_resume_where_they_failed_until_done(database_down, quick_retries):
    ran: list[str] = []

    async def first() -> None:
        ran.append("first")

    startup = DatabaseStartup([first, ensure_marketplaces])
    assert not await startup.attempt()
    assert not await startup.attempt()
    assert ran == ["first"]  # a step that went through is not run again
    assert startup.waiting_for.startswith("ensure_marketplaces: ") and not startup.done
    database_down()
    await asyncio.wait_for(startup.until_done(), 5)
    assert startup.done and startup.waiting_for == "" and ran == ["first"]
    assert {m["code"] for m in await Marketplace.select(Marketplace.code)} >= {"postmart", "voso"}


async def test_the_app_starts_without_its_database_and_becomes_ready(
    settings, unreachable, database_down, quick_retries
):
    # No pool: the app would open it on the engine it was made with, the unreachable one, for good.
    # (A pool opened once a late server is up: tests/faults/test_start_before_postgres.py.)
    unreachable_url = database_url(unreachable)
    app = create_app(dataclasses.replace(settings, database_url=unreachable_url, db_pool_size=0))
    async with AsyncTestClient(
        app=app, base_url="http://testserver.local"
    ) as client:  # start-up did not raise
        ready = await client.get("/readyz")
        body = ready.json()
        assert ready.status_code == 503 and body["status"] == "not_ready", body
        assert body["startup"].startswith("waiting: ensure_marketplaces: "), body
        assert body["database"].startswith("error"), body
        assert (await client.get("/login")).status_code == 200  # what needs no database is served
        if ENGINE == "postgres":  # a connection refused is an outage: 503, Retry-After, in Vietnamese
            login = await client.post("/api/v1/auth/login", json={"phone": "0912000101", "password": "x"})
            assert_clean_503(login, DB_DOWN_VI)
            assert_clean_503(await client.get("/p/1"), DB_DOWN_VI)

        database_down()  # the database is back: no restart, the retry finishes the start-up
        for _ in range(200):
            ready = await client.get("/readyz")
            if ready.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert ready.status_code == 200, ready.text
        assert ready.json()["startup"] == "ok"
        assert {m["code"] for m in await Marketplace.select(Marketplace.code)} >= {"postmart", "voso"}
        from tests.factories import Accounts

        farmer = await Accounts(client).household()
        assert (await client.get("/api/v1/products/", headers=farmer.headers)).status_code == 200
