"""Only a lost race on a unique key is a 409, on both engines; any other integrity failure is a bug
(a 500 that is logged), not something to hide from the tests as the caller's conflict."""

from __future__ import annotations

import pytest
from litestar import Litestar, post
from litestar.testing import AsyncTestClient

from agrimarket.tables import Product
from agrimarket.web.errors import EXCEPTION_HANDLERS

PROBE = "integrity_probe"
INSERTS = {
    "unique": f"INSERT INTO {PROBE} (id, code, name) VALUES (2, 'A', 'b')",
    "primary_key": f"INSERT INTO {PROBE} (id, code, name) VALUES (1, 'B', 'b')",
    "not_null": f"INSERT INTO {PROBE} (id, code, name) VALUES (3, 'C', NULL)",
    "check": f"INSERT INTO {PROBE} (id, code, name) VALUES (4, 'D', '')",
}


@post("/api/probe/{kind:str}")
async def probe(kind: str) -> None:
    await Product._meta.db.run_ddl(INSERTS[kind])


@pytest.fixture
async def probe_client():
    db = Product._meta.db
    await db.run_ddl(f"DROP TABLE IF EXISTS {PROBE}")
    await db.run_ddl(
        f"CREATE TABLE {PROBE} (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT NOT NULL CHECK (name <> ''))"
    )
    await db.run_ddl(f"INSERT INTO {PROBE} (id, code, name) VALUES (1, 'A', 'a')")
    app = Litestar([probe], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app, base_url="http://testserver.local") as client:
        yield client
    await db.run_ddl(f"DROP TABLE IF EXISTS {PROBE}")


@pytest.mark.parametrize("kind", ["unique", "primary_key"])
async def test_a_duplicate_key_is_a_conflict(probe_client, kind):
    answer = await probe_client.post(f"/api/probe/{kind}")
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("kind", ["not_null", "check"])
async def test_any_other_integrity_failure_is_a_server_error(probe_client, kind, caplog):
    answer = await probe_client.post(f"/api/probe/{kind}")
    assert answer.status_code == 500, answer.text
    assert answer.json()["error"]["code"] == "server_error"
    assert "unhandled error on POST" in caplog.text
