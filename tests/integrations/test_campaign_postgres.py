"""The full fault campaign on PostgreSQL: 2 worker processes, one SIGKILLed mid-run and restarted,
a tenth of the products withdrawn and half of those listed again, reconciliation every second."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from integrations.settings import IntegrationsSettings
from tests.conftest import ENGINE
from tests.integrations.campaign import (
    arm,
    check,
    create,
    relist,
    sellers,
    under_way,
    update_all,
    wait_drained,
    withdraw,
)
from tests.integrations.conftest import FAST

pytestmark = pytest.mark.skipif(
    ENGINE != "postgres", reason="the big campaign needs PostgreSQL (TEST_DB=postgres)"
)

N, ROUNDS, RATE = 500, 2, 150
ROOT = Path(__file__).resolve().parents[2]


def start_worker(sim_url: str) -> subprocess.Popen:
    env = os.environ | {
        "INTEGRATIONS_POSTMART_URL": sim_url,
        "INTEGRATIONS_WORKER_CONCURRENCY": "16",
        "INTEGRATIONS_POLL_SECONDS": str(FAST["poll_seconds"]),
        "INTEGRATIONS_LEASE_SECONDS": str(FAST["lease_seconds"]),
        "INTEGRATIONS_MAX_ATTEMPTS": str(FAST["max_attempts"]),
        "INTEGRATIONS_BACKOFF_BASE": str(FAST["backoff_base_seconds"]),
        "INTEGRATIONS_BACKOFF_CAP": str(FAST["backoff_cap_seconds"]),
        "INTEGRATIONS_HTTP_TIMEOUT": str(FAST["http_timeout_seconds"]),
        "INTEGRATIONS_RECONCILE_SECONDS": "1",
        "DB_POOL_SIZE": "8",
        "INTEGRATIONS_EXIT_WITH_PARENT": "1",
    }
    return subprocess.Popen([sys.executable, "-m", "integrations.sync.run"], env=env, cwd=ROOT)


async def reconcile_once(int_settings) -> None:
    from agrimarket.media.storage import build_storage
    from integrations.plugin import build_adapters
    from integrations.sync.worker import Worker

    adapters = build_adapters(int_settings)
    try:
        await Worker(
            int_settings.section(IntegrationsSettings), adapters, build_storage(int_settings)
        ).reconcile_once()
    finally:
        await adapters.aclose()


async def test_fault_campaign_two_processes_with_sigkill(int_settings, sims):
    from litestar.testing import AsyncTestClient

    from agrimarket.app import create_app
    from agrimarket.tables import Product
    from tests.factories import Accounts

    sim = sims["postmart"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with AsyncTestClient(app=create_app(int_settings), base_url="http://testserver.local") as client:
        actors = await sellers(client, Accounts(client), "postmart", 10)
    # The app is stopped: only this loop queries the database now, so a pool is safe and fast.
    engine = Product._meta.db
    await engine.start_connection_pool(min_size=1, max_size=5)
    workers: list[subprocess.Popen] = []
    try:
        made = await create(actors, N, "postmart")
        withdrawn, relisted = made[::10], made[::20]
        await arm(sim, RATE)
        print(f"created in {loop.time() - started:.1f}s")
        workers = [start_worker(sim.url), start_worker(sim.url)]
        await under_way(sim)  # the worker processes are up and writing
        await update_all(made, 1)
        await withdraw(withdrawn)
        print(f"round 1 at {loop.time() - started:.1f}s, {sim.state.requests} requests")
        workers[0].send_signal(signal.SIGKILL)  # mid-run: its leased jobs are taken over after the lease
        workers[0].wait()
        workers[0] = start_worker(sim.url)
        await relist(relisted, "postmart")
        await update_all(made, 2)
        print(f"round 2 at {loop.time() - started:.1f}s, {sim.state.requests} requests")
        await wait_drained(150)
        # One more reconciliation pass after the queue drained, and what it queued drained too.
        await reconcile_once(int_settings)
        await wait_drained(60)
        state = sim.state
        print(f"campaign: {len(made)} listings, {state.requests} requests, faults {state.injected}, "
              f"busiest second {state.max_per_window}/{RATE}, {loop.time() - started:.1f}s")  # fmt: skip
        down = frozenset(pid for _, pid in withdrawn) - {pid for _, pid in relisted}
        await check(sim, made, ROUNDS, RATE, down)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=15)
        await engine.close_connection_pool()
