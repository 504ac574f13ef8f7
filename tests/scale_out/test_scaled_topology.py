"""`make run-scaled` boots: two app processes + a sync worker on PostgreSQL, photos in S3 (moto)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil

import httpx
import pytest

from agrimarket import scaled
from agrimarket.demo import ADMIN, PASSWORD
from tests.conftest import ENGINE, PG_ADMIN_DSN
from tests.scale_out.processes import free_port
from tests.waiting import until_sync

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="the scaled topology runs on PostgreSQL")


def test_two_app_processes_and_a_worker_serve_the_demo_with_photos_in_s3():
    topology = scaled.Topology(
        database=f"agm_scaled_test_{os.getpid()}",
        admin_url=PG_ADMIN_DSN,
        app_ports=[free_port(), free_port()],
        processes_per_port=1,
        sync_workers=1,
        simulator_port=free_port(),
        s3_port=0,
        log_format="text",
    )
    stale = _previous_run_left_simulator_items(topology)
    asyncio.run(scaled.recreate_database(topology))
    s3, endpoint = scaled.start_s3(topology.s3_port)
    processes = []
    try:
        env = scaled.environment(topology, endpoint)
        scaled.prepare(env)
        processes = scaled.start_processes(topology, env)
        urls = [f"http://127.0.0.1:{port}" for port in topology.app_ports]
        scaled.wait_ready(urls, processes)
        for url in urls:
            assert httpx.get(f"{url}/readyz").json()["storage"] == "ok"
        login = {"phone": ADMIN[0], "password": PASSWORD}
        token = httpx.post(f"{urls[0]}/api/v1/auth/login", json=login).json()["token"]
        products = httpx.get(f"{urls[1]}/api/v1/products", headers={"Authorization": f"Bearer {token}"}).text
        photo = re.search(rf"{re.escape(endpoint)}/{scaled.BUCKET}/[^\"']+\.webp", products)
        assert photo, "no product photo is stored in S3"
        image = httpx.get(photo.group(0))
        assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
        # A fresh database, fresh simulators: the demo's first listing (sku agm-1) goes live with its
        # own name, not acknowledged against the previous run's item of the same sku.
        shop = f"http://127.0.0.1:{topology.simulator_port}/sim/postmart/shop/htx-cat-hai"

        def listed() -> str:
            page = httpx.get(shop).text
            return page if "<a href" in page else ""

        assert stale not in until_sync(listed, every=0.2, what="the first listing on the shop page")
    finally:
        scaled.stop(processes)
        s3.stop()
        asyncio.run(_drop(topology))


def _previous_run_left_simulator_items(topology: scaled.Topology) -> str:
    """The simulators' file of an earlier run: an item with the sku our first listing will get."""
    name = "Hàng cũ của lần chạy trước"
    item = {"id": "PO0000001", "shop_id": "htx-cat-hai", "sku": "agm-1", "version": 99, "status": "live",
            "fields": {"name": name, "description": "", "category": 101, "unit": "kg", "price": 1000,
                       "stock": 1, "images": ["http://x/1.webp"]}}  # fmt: skip
    topology.sim_state_dir.mkdir(parents=True, exist_ok=True)
    state = {"items": [item], "next_id": 2, "orders": []}
    (topology.sim_state_dir / "sim-postmart.json").write_text(json.dumps(state, ensure_ascii=False))
    return name


async def _drop(topology: scaled.Topology) -> None:
    import asyncpg

    shutil.rmtree(topology.sim_state_dir, ignore_errors=True)
    conn = await asyncpg.connect(topology.admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{topology.database}" WITH (FORCE)')
    finally:
        await conn.close()
