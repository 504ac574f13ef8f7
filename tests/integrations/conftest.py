"""Simulators on real localhost ports, an app pointed at them, and a worker tuned for tests."""

from __future__ import annotations

import copy
import dataclasses
import threading
import urllib.request
from collections.abc import Iterable, Iterator

import pytest

from integrations.settings import IntegrationsSettings
from integrations.simulators.serving import local_socket, start_in_thread, url_of
from tests.waiting import until_sync

FAST = {
    "poll_seconds": 0.05,
    "lease_seconds": 5.0,
    "max_attempts": 14,
    "give_up_seconds": 0.0,  # tests that want a job to die set max_attempts low
    "backoff_base_seconds": 0.05,
    "backoff_cap_seconds": 1.0,
    "http_timeout_seconds": 0.6,
}


class LiveSim:
    """A simulator served by uvicorn on a free localhost port, in a thread; ``probe``: a path it
    answers once up (a marketplace's storefront; a message channel's outbox)."""

    def __init__(self, module, config, probe: str = "/shop/x", wait: bool = True) -> None:
        self.probe = probe
        self.name = module.__name__
        self._listen(port=0)
        self.url = url_of(self.sock)
        config.public_url = self.url
        self.app = module.create_app(config)
        self.state = self.app.state.sim
        # The state as made, before any request: reset() puts it back for the next test.
        self._pristine = copy.deepcopy(getattr(self.state, "__dict__", None))
        self._serve()
        if wait:
            self.wait_until_up()

    def _listen(self, port: int) -> None:
        self.sock = local_socket(port)

    def _serve(self) -> None:
        self.server, self.thread = start_in_thread(self.app, self.sock, timeout_graceful_shutdown=1)

    def reset(self) -> None:
        """The simulator as if just started (its handlers hold the state object, so refill it), and
        serving again on its port if a test stopped it (a marketplace down).

        A request the last test left under way (a write a timeout fault holds) lands first: it would
        otherwise land in this test's fresh state."""
        from integrations.simulators.base import held_writes

        def quiet() -> bool:
            return not held_writes() and not self.server.server_state.tasks

        until_sync(quiet, timeout=15, every=0.01, what=f"the {self.name} simulator's requests to finish")
        if self._pristine is not None:
            self.state.__dict__.clear()
            self.state.__dict__.update(copy.deepcopy(self._pristine))
        if not self.thread.is_alive():
            self._listen(port=int(self.url.rsplit(":", 1)[1]))
            self._serve()
            self.wait_until_up()

    def wait_until_up(self) -> None:
        until_sync(self.answers, timeout=10, every=0.05, what=f"the {self.name} simulator to start")

    def answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}{self.probe}", timeout=1)  # noqa: S310 - local URL
        except OSError:
            return False
        return True

    def stop_soon(self) -> None:
        """Ask the server to exit without waiting (close() then waits): several stop side by side."""
        self.server.should_exit = True

    def close(self) -> None:
        self.stop_soon()
        self.thread.join(timeout=5)
        self.sock.close()


# Simulators start and stop side by side: each takes ~0.1 s to come up and as long to notice it should exit.
def up_together(started: dict[str, LiveSim]) -> dict[str, LiveSim]:
    """Wait for simulators made with ``wait=False``, which meanwhile came up in parallel."""
    for sim in started.values():
        sim.wait_until_up()
    return started


def close_together(sims: Iterable[LiveSim]) -> None:
    sims = list(sims)
    for sim in sims:
        sim.stop_soon()
    for sim in sims:
        sim.close()


# One set of simulators and one app per test module (each costs about a second to build), reset
# for every test: the simulators to their state as started, the database by clean_tables.
@pytest.fixture(scope="module")
def module_sims() -> Iterator[dict[str, LiveSim]]:
    from integrations.simulators.registry import SIMULATORS

    # Every registered marketplace's simulator (postmart seed 1, voso 2, shopee 3, then the next);
    # a consent page sends the seller back to the test client's host.
    back = "http://testserver.local/marketplace-accounts/{}/authorized"
    started = up_together(
        {
            code: LiveSim(module, module.CONFIG(seed=seed, redirect_url=back.format(code)), wait=False)
            for seed, (code, module) in enumerate(SIMULATORS.items(), start=1)
        }
    )
    yield started
    close_together(started.values())


@pytest.fixture
def sims(module_sims) -> dict[str, LiveSim]:
    for sim in module_sims.values():
        sim.reset()
    return module_sims


@pytest.fixture(scope="module")
def module_settings(settings, module_sims):
    integrations = dataclasses.replace(
        settings.section(IntegrationsSettings),
        marketplace_urls={code: sim.url for code, sim in module_sims.items()},
        worker="off",
        simulators=False,
        **FAST,
    )
    return settings.with_section(integrations)


@pytest.fixture
def int_settings(module_settings, sims):
    """The settings pointing at the simulators, which this fixture resets for the test."""
    return module_settings


@pytest.fixture(scope="module")
def module_app(module_settings):
    from agrimarket.app import create_app

    return create_app(module_settings)


@pytest.fixture
async def client(module_app, int_settings):
    from litestar.testing import AsyncTestClient

    from integrations.listings.service import ensure_marketplaces
    from integrations.tables import Marketplace

    async with AsyncTestClient(app=module_app, base_url="http://testserver.local") as test_client:
        # The app seeds them once, at its first start; clean_tables emptied them since.
        await ensure_marketplaces()
        # A call a millisecond: the simulators enforce no limit unless a test sets one, and such a
        # test registers the same on our side (campaign.arm, test_sync_rate_limits). At the real
        # limits (10-15 calls a second) each call to a simulator waited ~0.1 s for its slot. Paced
        # still (not 0), so the calls keep their rate_bucket rows a 429's hold moves.
        await Marketplace.update({Marketplace.rate_limit_per_s: 1000.0}, force=True)
        yield test_client


@pytest.fixture
def live_app(int_settings) -> Iterator[str]:
    """The app served by uvicorn in a thread: requests really run side by side (a double tap)."""
    from agrimarket.app import create_app

    sock = local_socket()
    url = url_of(sock)
    server, thread = start_in_thread(create_app(int_settings), sock)
    until_sync(lambda: server.started, timeout=15, every=0.05, what="the app to start")
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
async def worker(int_settings):
    from agrimarket.media.storage import build_storage
    from integrations.plugin import build_adapters
    from integrations.sync.worker import Worker

    adapters = build_adapters(int_settings)
    made = Worker(int_settings.section(IntegrationsSettings), adapters, build_storage(int_settings))
    made._int_settings = int_settings
    yield made
    await adapters.aclose()


class ThreadedWorker:
    """The worker in its own thread and event loop, like a separate process.

    Litestar's AsyncTestClient blocks the test's loop while the app answers, so a worker on
    that loop would freeze mid-transaction and hold SQLite's write lock.
    """

    def __init__(self, worker, int_settings, concurrency: int) -> None:
        import asyncio

        from integrations.plugin import build_adapters

        self.worker = worker
        self.ready = threading.Event()

        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            worker._stop = asyncio.Event()
            saved, worker.adapters = worker.adapters, build_adapters(int_settings)
            self.ready.set()
            try:
                await worker.run(concurrency=concurrency, reconcile=False)
            finally:
                await worker.adapters.aclose()
                worker.adapters = saved

        self.thread = threading.Thread(target=lambda: __import__("asyncio").run(main()), daemon=True)
        self.thread.start()
        self.ready.wait(5)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.worker.stop)
        self.thread.join(timeout=30)


@pytest.fixture
def run_worker(worker, int_settings):
    started: list[ThreadedWorker] = []

    def start(concurrency: int = 8) -> ThreadedWorker:
        started.append(ThreadedWorker(worker, int_settings, concurrency))
        return started[-1]

    yield start
    for threaded in started:
        if threaded.thread.is_alive():
            threaded.stop()


async def drain(worker, timeout: float = 60.0, concurrency: int = 8) -> None:
    """Run the worker (in a thread) until no job is queued or running."""
    from integrations.tables import SyncJob
    from tests.integrations.conftest import ThreadedWorker
    from tests.waiting import until

    async def idle() -> bool:
        return not await SyncJob.exists().where(SyncJob.status.is_in(["queued", "running"]))

    threaded = ThreadedWorker(worker, worker._int_settings, concurrency)
    try:
        await until(idle, timeout, every=0.1, what="the sync queue to drain")
    finally:
        threaded.stop()
