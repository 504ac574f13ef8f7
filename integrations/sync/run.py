"""One worker process: ``python -m integrations.sync.run`` (started N times by ``piccolo integrations worker``)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from agrimarket.app import connect_apps
from agrimarket.db import close_pool as close_db_pool
from agrimarket.db import engine_for
from agrimarket.db import open_pool as open_db_pool
from agrimarket.media.storage import build_storage
from agrimarket.settings import get_settings
from agrimarket.startup import DatabaseStartup
from integrations.listings.service import ensure_marketplaces
from integrations.plugin import build_adapters
from integrations.settings import IntegrationsSettings
from integrations.sync.worker import Worker
from integrations.tables import SyncJob


async def serve() -> None:
    """Run one sync worker until SIGTERM/SIGINT (or until the starting process is gone)."""
    settings = get_settings()
    # The events this process publishes (listing states, pulled orders) reach the same subscribers
    # as in the web app's process.
    connect_apps()
    engine = engine_for(settings, SyncJob._meta.db)

    async def open_pool() -> None:
        await open_db_pool(engine, settings.db_pool_size)

    # A worker started while PostgreSQL is down waits for it (retrying) instead of exiting.
    await DatabaseStartup([open_pool, ensure_marketplaces]).until_done()
    adapters = build_adapters(settings)
    worker = Worker(settings.section(IntegrationsSettings), adapters, build_storage(settings))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    watch = (
        asyncio.create_task(_exit_with_parent(worker))
        if os.environ.get("INTEGRATIONS_EXIT_WITH_PARENT")
        else None
    )
    try:
        await worker.run()
    finally:
        if watch:
            watch.cancel()
        await adapters.aclose()
        if settings.db_pool_size:
            await close_db_pool(engine)


async def _exit_with_parent(worker) -> None:
    """Stop when the starting process (CLI, test, bench) is gone, so no worker is left orphaned."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1)
    worker.stop()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
