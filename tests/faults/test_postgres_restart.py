"""PostgreSQL restarts under load: clean 503s in Vietnamese, nothing half-written, recovery alone.

Two real app processes (uvicorn, a pool of 3 connections each) serve logins, the listing form
(a product and its photo in one step), API creates with a photo upload, and public pages and stamp
scans, while their PostgreSQL — a private throw-away cluster, see ``private_pg`` — is stopped with
``pg_ctl stop -m fast`` and started again 3 s later.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import ENGINE
from tests.factories import PASSWORD, new_phone
from tests.faults.private_pg import PrivatePostgres, unavailable_reason
from tests.faults.traffic import (
    DB_DOWN_VI,
    PHOTO,
    PRODUCT,
    assert_clean_503,
    created_id,
    post_listing_form,
    register,
    web_login,
)
from tests.preconditions import missing
from tests.scale_out.processes import ROOT, app_servers

pytestmark = pytest.mark.skipif(
    ENGINE != "postgres", reason="restarts a PostgreSQL server (a private one); SQLite has none"
)

DATABASE = "agm_faults"
OUTAGE_S = 3.0
CLIENT_TIMEOUT_S = 20.0
SLOW_S = 10.0  # an answer this slow means requests queue for connections the pool lost
# What each kind of request may answer while the database comes and goes.
ALLOWED = {
    "login": {200, 503},
    "form": {302, 503},
    "api_create": {201, 503},
    "api_photo": {201, 503},
    "page": {200, 503},
    "scan": {200, 503},
    "trace": {200, 503},
    "readyz": {200, 503},
}


@dataclass
class Answer:
    kind: str
    status: int
    response: httpx.Response
    label: str = ""  # the product name a create used
    product_id: int | None = None


@dataclass
class Log:
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # client-side errors: timeouts, resets

    def add(self, kind: str, response: httpx.Response, **extra) -> Answer:
        answer = Answer(kind, response.status_code, response, **extra)
        self.answers.append(answer)
        return answer


@pytest.fixture(scope="module")
def cluster():
    reason = unavailable_reason()
    if reason:
        missing(reason)
    pg = PrivatePostgres()
    try:
        pg.init()
        pg.start()
        asyncio.run(_create_database(pg))
        env = {"DATABASE_URL": pg.url(DATABASE)}
        piccolo = str(Path(sys.executable).parent / "piccolo")
        for command in (["migrations", "forwards", "all"], ["agrimarket", "load_areas"]):
            subprocess.run(
                [piccolo, *command], check=True, capture_output=True, cwd=ROOT, env=os.environ | env
            )
        yield pg
    finally:
        pg.destroy()


async def _create_database(pg: PrivatePostgres) -> None:
    conn = await asyncpg.connect(pg.url())
    try:
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()


@dataclass
class Household:
    phone: str
    token: str
    web: list[httpx.AsyncClient]  # one logged-in browser per app process

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def _public_records(api: httpx.AsyncClient, farmer: Household, pg: PrivatePostgres) -> tuple[int, str]:
    """A public product with a photo, grown in an area, in a batch with stamps: (product id, serial)."""
    product = await api.post(
        "/api/v1/products/", json={"name": "Bưởi da xanh", **_api_product()}, headers=farmer.headers
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    photo = await api.post(
        f"/api/v1/products/{product_id}/photos",
        files={"photo": ("a.jpg", PHOTO, "image/jpeg")},
        headers=farmer.headers,
    )
    assert photo.status_code == 201, photo.text
    area = await api.post(
        "/api/v1/growing-areas/",
        json={"name": "Vườn bưởi Đồng Bài", "crop": "Bưởi", "area_ha": 1.5, "commune_code": "11914"},
        headers=farmer.headers,
    )
    assert area.status_code == 201, area.text
    batch = await api.post(
        "/api/v1/batches/",
        json={
            "product_id": product_id,
            "growing_area_id": area.json()["id"],
            "lot_code": "LO-01",
            "harvest_date": "2026-11-01",
            "quantity": 500,
            "unit": "kg",
        },
        headers=farmer.headers,
    )
    assert batch.status_code == 201, batch.text
    # The minimum data set (Circular 02/2024): a stage in the diary and a standard before stamps.
    batch_id = batch.json()["id"]
    event = await api.post(
        f"/api/v1/batches/{batch_id}/events", json={"kind": "irrigation"}, headers=farmer.headers
    )
    assert event.status_code == 201, event.text
    declared = await api.patch(
        f"/api/v1/batches/{batch_id}", json={"standards": "VietGAP"}, headers=farmer.headers
    )
    assert declared.status_code == 200, declared.text
    issued = await api.post(
        f"/api/v1/batches/{batch.json()['id']}/stamps", json={"count": 2}, headers=farmer.headers
    )
    assert issued.status_code == 201, issued.text
    conn = await asyncpg.connect(pg.url(DATABASE))
    try:
        serial = await conn.fetchval("SELECT serial FROM stamp ORDER BY id LIMIT 1")
    finally:
        await conn.close()
    return product_id, serial


def _api_product() -> dict:
    return {**PRODUCT, "price_vnd": int(PRODUCT["price_vnd"]), "stock": int(PRODUCT["stock"])}


async def _guard(log: Log, label: str, request) -> httpx.Response | None:
    try:
        return await request
    except httpx.HTTPError as exc:  # a hang past the client timeout, or a dropped connection
        log.failures.append(f"{label}: {type(exc).__name__}: {exc}")
        return None


async def _traffic(
    urls: list[str], farmers: list[Household], product_id: int, serial: str, stop: asyncio.Event, log: Log
) -> None:
    """Phones and buyers doing their usual things, spread over both app processes, until ``stop``."""

    async def listing_forms(farmer: Household, index: int) -> None:
        n = 0
        while not stop.is_set():
            client = farmer.web[n % len(urls)]
            name = f"Rau form {index}-{n}"
            if response := await _guard(log, name, post_listing_form(client, name)):
                log.add("form", response, label=name)
            n += 1

    async def api_creates(farmer: Household, index: int, api: list[httpx.AsyncClient]) -> None:
        n = 0
        while not stop.is_set():
            client = api[n % len(urls)]
            name = f"Rau api {index}-{n}"
            body = {"name": name, **_api_product()}
            response = await _guard(
                log, name, client.post("/api/v1/products/", json=body, headers=farmer.headers)
            )
            if response is not None:
                created = log.add("api_create", response, label=name)
                if response.status_code == 201:
                    created.product_id = response.json()["id"]
                    upload = client.post(
                        f"/api/v1/products/{created.product_id}/photos",
                        files={"photo": ("a.jpg", PHOTO, "image/jpeg")},
                        headers=farmer.headers,
                    )
                    if photo := await _guard(log, f"{name} photo", upload):
                        log.add("api_photo", photo, label=name, product_id=created.product_id)
            n += 1

    async def logins(farmer: Household, api: list[httpx.AsyncClient]) -> None:
        n = 0
        while not stop.is_set():
            body = {"phone": farmer.phone, "password": PASSWORD}
            if response := await _guard(
                log, "login", api[n % len(urls)].post("/api/v1/auth/login", json=body)
            ):
                log.add("login", response)
            n += 1
            await asyncio.sleep(0.05)

    async def buyers(api: list[httpx.AsyncClient]) -> None:
        n = 0
        paths = [("page", f"/p/{product_id}"), ("scan", f"/t/{serial}"), ("trace", f"/api/v1/trace/{serial}")]
        while not stop.is_set():
            kind, path = paths[n % len(paths)]
            if response := await _guard(log, path, api[n % len(urls)].get(path)):
                log.add(kind, response)
            n += 1
            await asyncio.sleep(0.02)

    async def probes(api: list[httpx.AsyncClient]) -> None:
        while not stop.is_set():
            for client in api:
                if response := await _guard(log, "readyz", client.get("/readyz")):
                    log.add("readyz", response)
            await asyncio.sleep(0.25)

    api = [httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT_S) for url in urls]
    try:
        await asyncio.gather(
            *(listing_forms(farmer, i) for i, farmer in enumerate(farmers[:2])),
            *(api_creates(farmer, i, api) for i, farmer in enumerate(farmers[2:])),
            logins(farmers[0], api),
            buyers(api),
            probes(api),
        )
    finally:
        for client in api:
            await client.aclose()


async def test_postgres_restart_under_load_gives_503s_loses_nothing_and_heals(cluster, tmp_path):
    media = tmp_path / "media"
    env = {
        "DATABASE_URL": cluster.url(DATABASE),
        "DB_POOL_SIZE": "3",
        "MEDIA_STORAGE": "local",
        "MEDIA_DIR": str(media),
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "LOGIN_RATE_LIMIT": "100000/minute",
        "SCAN_RATE_LIMIT": "100000/minute",
    }
    with app_servers(2, env) as servers:
        urls = [url for url, _ in servers]
        farmers: list[Household] = []
        async with httpx.AsyncClient(base_url=urls[0], timeout=CLIENT_TIMEOUT_S) as api:
            for _ in range(4):
                phone = new_phone()
                token = await register(api, phone)
                web = [httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT_S) for url in urls]
                for client in web:
                    await web_login(client, phone)
                farmers.append(Household(phone, token, web))
            product_id, serial = await _public_records(api, farmers[0], cluster)
        try:
            log = Log()
            stop = asyncio.Event()
            load = asyncio.create_task(_traffic(urls, farmers, product_id, serial, stop, log))
            await asyncio.sleep(2.0)
            before_outage = len(log.answers)
            await asyncio.to_thread(cluster.stop, "fast")
            outage_started = len(log.answers)
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(cluster.start)
            await asyncio.sleep(2.0)
            stop.set()
            await load

            _check_answers(log, before_outage, outage_started)
            assert all(process.poll() is None for _, process in servers), "an app process died"
            await _check_recovery(urls, farmers, product_id, serial)
            assert all(process.poll() is None for _, process in servers), "an app process died"
            await _check_nothing_half_written(cluster, media, log, serial)
        finally:
            for farmer in farmers:
                for client in farmer.web:
                    await client.aclose()


def _check_answers(log: Log, before_outage: int, outage_started: int) -> None:
    assert not log.failures, log.failures[:5]
    assert before_outage >= 5, "too little traffic before the outage to mean anything"
    slowest = max(log.answers, key=lambda a: a.response.elapsed)
    assert slowest.response.elapsed.total_seconds() < SLOW_S, (
        f"{slowest.kind} took {slowest.response.elapsed}"
    )
    unexpected = [
        f"{a.kind} {a.status}: {a.response.text[:200]}"
        for a in log.answers
        if a.status not in ALLOWED[a.kind]
    ]
    assert not unexpected, unexpected[:5]
    refused = [a for a in log.answers if a.status == 503]
    kinds = {a.kind for a in refused}
    # Every kind of request met the outage, and /readyz said so.
    assert {"login", "form", "api_create", "page", "scan", "readyz"} <= kinds, kinds
    for answer in refused:
        if answer.kind == "readyz":
            body = answer.response.json()
            assert body["status"] == "not_ready" and body["database"].startswith("error"), body
        else:
            assert_clean_503(answer.response, DB_DOWN_VI)
    assert all(a.status != 503 for a in log.answers[:before_outage]), "503 before the outage"
    assert any(a.status != 503 for a in log.answers[outage_started:]), "never served again during the run"


async def _check_recovery(urls: list[str], farmers: list[Household], product_id: int, serial: str) -> None:
    """The same processes, without a restart, serve every kind of request again."""
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S) as client:
        for url in urls:
            while (await client.get(f"{url}/readyz")).status_code != 200:
                assert time.monotonic() < deadline, f"{url} not ready 20 s after PostgreSQL came back"
                await asyncio.sleep(0.2)
        farmer = farmers[0]
        for index, url in enumerate(urls):
            login = await client.post(
                f"{url}/api/v1/auth/login", json={"phone": farmer.phone, "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            form = await post_listing_form(farmer.web[index], f"Rau sau sự cố {index}")
            assert form.status_code == 302, form.text[:300]
            created = await client.post(
                f"{url}/api/v1/products/", json={"name": "Rau", **_api_product()}, headers=farmer.headers
            )
            assert created.status_code == 201, created.text
            for path in (f"/p/{product_id}", f"/t/{serial}", f"/api/v1/trace/{serial}", "/products"):
                response = await (farmer.web[index] if path == "/products" else client).get(
                    path if path == "/products" else f"{url}{path}"
                )
                assert response.status_code == 200, (path, response.text[:300])


async def _check_nothing_half_written(cluster: PrivatePostgres, media: Path, log: Log, serial: str) -> None:
    conn = await asyncpg.connect(cluster.url(DATABASE))
    try:
        products = {row["name"]: row["id"] for row in await conn.fetch("SELECT id, name FROM product")}
        photos: dict[int, list[tuple[str, str]]] = {}
        for row in await conn.fetch("SELECT product, image_key, thumb_key FROM product_photo"):
            photos.setdefault(row["product"], []).append((row["image_key"], row["thumb_key"]))
        for answer in log.answers:
            if answer.kind == "form":
                if answer.status == 302:
                    product = created_id(answer.response)
                    assert products.get(answer.label) == product, answer.label
                    assert len(photos.get(product, [])) == 1, f"{answer.label}: its photo is missing"
                else:
                    assert answer.label not in products, f"{answer.label} answered 503 but was saved"
            elif answer.kind == "api_create":
                assert (answer.label in products) == (answer.status == 201), answer.label
            elif answer.kind == "api_photo":
                count = len(photos.get(answer.product_id, []))
                assert count == (1 if answer.status == 201 else 0), f"{answer.label}: {count} photos"
        # Every photo row has both files, and every file has its row: nothing missing, and the files
        # of uploads that failed with the database are gone once it is back (a few seconds).
        keys = {key for rows in photos.values() for pair in rows for key in pair}
        deadline = time.monotonic() + 15
        while True:
            files = {str(p.relative_to(media)) for p in (media / "products").rglob("*") if p.is_file()}
            if files == keys or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert keys == files, {"rows without files": keys - files, "orphan files": files - keys}
        # Scans answered 200 are all logged, including those buffered while the database was down.
        scanned = sum(1 for a in log.answers if a.kind in ("scan", "trace") and a.status == 200)
        deadline = time.monotonic() + 10
        while True:
            logged = await conn.fetchval(
                "SELECT COUNT(*) FROM scan JOIN stamp ON stamp.id = scan.stamp WHERE stamp.serial = $1",
                serial,
            )
            if logged >= scanned or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert logged >= scanned, f"{scanned - logged} scans lost"
    finally:
        await conn.close()
