"""create_app(settings) uses the database its settings name (issue 19, point 5).

Piccolo binds every table to one engine per process (piccolo_conf's DB, from the environment's
DATABASE_URL). The app opens and checks that engine's pool, so it refuses, by name, settings that
name another database instead of quietly serving the environment's.
"""

from __future__ import annotations

import dataclasses
import sqlite3

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from agrimarket.db import engine_for
from agrimarket.settings import SettingsError
from agrimarket.tables import Product
from tests.conftest import ENGINE
from tests.factories import Accounts
from tests.pg_pools import open_pools


def other_database(settings, tmp_path) -> str:
    if ENGINE == "postgres":
        return settings.database_url.rsplit("/", 1)[0] + "/agm_some_other_database"
    return f"sqlite:///{tmp_path / 'other.sqlite'}"


def test_an_app_given_another_database_url_is_refused_naming_it(settings, tmp_path):
    other = dataclasses.replace(settings, database_url=other_database(settings, tmp_path))
    with pytest.raises(SettingsError, match=r"DATABASE_URL .* is not the database the tables are bound to"):
        create_app(other)


def test_a_password_in_the_refused_url_is_not_repeated(settings):
    other = dataclasses.replace(settings, database_url="postgres://agm:hunter2@10.0.0.9:5432/agm")
    with pytest.raises(SettingsError) as refused:
        create_app(other)
    assert "hunter2" not in str(refused.value) and "10.0.0.9" in str(refused.value)


def test_the_same_database_spelled_another_way_is_accepted(settings):
    if ENGINE == "postgres":
        spelled = settings.database_url.replace("postgres://", "postgresql://", 1)
    else:
        spelled = f"sqlite:///{settings.sqlite_path.parent}/./{settings.sqlite_path.name}"
    assert spelled != settings.database_url
    assert (
        engine_for(dataclasses.replace(settings, database_url=spelled), Product._meta.db) is Product._meta.db
    )


async def test_the_app_writes_to_the_database_its_settings_name(settings):
    app = create_app(dataclasses.replace(settings, db_pool_size=2))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        assert (await client.get("/readyz")).status_code == 200
        if ENGINE == "postgres":  # the pool the app opened (in its loop) and checked is the tables' engine's
            assert open_pools(Product._meta.db)
        farmer = await Accounts(client).household()
    # Read back with a connection of our own to the database the settings name.
    if ENGINE == "postgres":
        connection = await asyncpg.connect(settings.database_url)
        try:
            found = await connection.fetchval("SELECT count(*) FROM app_user WHERE phone = $1", farmer.phone)
        finally:
            await connection.close()
    else:
        with sqlite3.connect(settings.sqlite_path) as connection:
            found = connection.execute(
                "SELECT count(*) FROM app_user WHERE phone = ?", (farmer.phone,)
            ).fetchone()[0]
    assert found == 1
