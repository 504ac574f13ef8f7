"""An app process started while PostgreSQL is down starts anyway, and serves once it is up.

A real uvicorn process is started against a private PostgreSQL cluster (see ``private_pg``) that is
not running yet. It must answer at once: /readyz 503 naming what start-up waits for, pages and API
503 with Retry-After and the Vietnamese message. Then the server starts, the database is created
and migrated — and the same process, never restarted, becomes ready: pool opened, marketplaces
seeded, pages served.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from integrations.simulators.credentials import demo_credentials
from tests.conftest import ENGINE
from tests.factories import new_phone
from tests.faults.private_pg import PrivatePostgres, unavailable_reason
from tests.faults.test_postgres_restart import _api_product
from tests.faults.traffic import DB_DOWN_VI, assert_clean_503, register
from tests.preconditions import missing
from tests.scale_out.processes import ROOT, free_port

pytestmark = pytest.mark.skipif(
    ENGINE != "postgres", reason="starts a PostgreSQL server late (a private one)"
)

DATABASE = "agm_late"
READY_WITHIN_S = 30.0


@pytest.fixture
def cluster():
    reason = unavailable_reason()
    if reason:
        missing(reason)
    pg = PrivatePostgres()
    try:
        pg.init()  # created, not started
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def app_process(cluster, tmp_path):
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": cluster.url(DATABASE),
        "DB_POOL_SIZE": "2",
        "MEDIA_STORAGE": "local",
        "MEDIA_DIR": str(tmp_path / "media"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log_path = tmp_path / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "agrimarket.asgi:app",
                "--port",
                str(port),
                "--no-proxy-headers",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", process, log_path
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _first_answer(url: str, process: subprocess.Popen, log_path: Path) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"the app exited at start-up:\n{log_path.read_text()[-3000:]}"
        try:
            return httpx.get(f"{url}/readyz", timeout=10)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the app never answered"
            time.sleep(0.2)


def _create_and_migrate(pg: PrivatePostgres) -> None:
    async def create() -> None:
        conn = await asyncpg.connect(pg.url())
        try:
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await conn.close()

    asyncio.run(create())
    piccolo = str(Path(sys.executable).parent / "piccolo")
    env = os.environ | {"DATABASE_URL": pg.url(DATABASE)}
    for command in (["migrations", "forwards", "all"], ["agrimarket", "load_areas"]):
        subprocess.run([piccolo, *command], check=True, capture_output=True, cwd=ROOT, env=env)


async def _assert_refused_cleanly(api: httpx.AsyncClient, waiting_for: str) -> None:
    ready = await api.get("/readyz")
    body = ready.json()
    assert ready.status_code == 503 and body["status"] == "not_ready", body
    assert body["startup"].startswith(f"waiting: {waiting_for}"), body
    login = await api.post("/api/v1/auth/login", json={"phone": "0912000101", "password": "x"})
    assert_clean_503(login, DB_DOWN_VI)
    page = await api.get("/p/1")
    assert_clean_503(page, DB_DOWN_VI)


async def test_a_process_started_before_postgres_serves_once_it_is_up(cluster, app_process):
    url, process, log_path = app_process
    first = await asyncio.to_thread(_first_answer, url, process, log_path)
    assert first.status_code == 503
    async with httpx.AsyncClient(base_url=url, timeout=20) as api:
        # Nothing listens on the port yet.
        await _assert_refused_cleanly(api, "open_pool: ")
        assert (await api.get("/login")).status_code == 200  # what needs no database is served

        await asyncio.to_thread(cluster.start)
        # The server is up, the database not created yet: still a clean 503.
        # (the reason may still name the last retry's error: retries back off up to 10 s)
        await _assert_refused_cleanly(api, "open_pool: ")

        await asyncio.to_thread(_create_and_migrate, cluster)
        deadline = time.monotonic() + READY_WITHIN_S
        while (ready := await api.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, (
                f"not ready {READY_WITHIN_S} s after the database: {ready.text}"
            )
            await asyncio.sleep(0.2)
        assert ready.json() == {
            "status": "ok",
            "database": "ok",
            "storage": "ok",
            "migrations": "ok",
            "startup": "ok",
        }
        assert process.poll() is None, "the process was restarted"

        # The same process now serves every kind of request.
        token = await register(api, new_phone())
        headers = {"Authorization": f"Bearer {token}"}
        created = await api.post(
            "/api/v1/products/", json={"name": "Bưởi", **_api_product()}, headers=headers
        )
        assert created.status_code == 201, created.text
        page = await api.get(f"/p/{created.json()['id']}")
        assert page.status_code == 200 and "Bưởi" in page.text
        # The marketplaces were seeded in the background: an account connects and a listing is queued.
        account = await api.post(
            "/api/v1/marketplace-accounts",
            json={
                "marketplace": "voso",
                "shop_id": "shop-1",
                "credentials": demo_credentials("voso", "shop-1"),
            },
            headers=headers,
        )
        assert account.status_code == 201, account.text
        listing = await api.post(
            f"/api/v1/products/{created.json()['id']}/listings", json={"marketplace": "voso"}, headers=headers
        )
        assert listing.status_code == 202, listing.text

    conn = await asyncpg.connect(cluster.url(DATABASE))
    try:
        codes = {row["code"] for row in await conn.fetch("SELECT code FROM marketplace")}
    finally:
        await conn.close()
    assert {"postmart", "voso"} <= codes
    log = log_path.read_text()
    # One traceback for the whole outage, then a line a minute at most, and one line on recovery.
    assert log.count("start-up: database steps failed") == 1, log[-3000:]
    assert log.count("Traceback") <= 2, log[-3000:]  # (piccolo's own version check warns without one)
