"""One message delivery process: ``python -m agrimarket.messages.run`` (scaled out, with
``MESSAGE_WORKER=off`` in the app processes; deliveries are claimed with ``FOR UPDATE SKIP LOCKED``,
so several such processes share the outbox)."""

from __future__ import annotations

import asyncio
import logging
import signal

from agrimarket.app import connect_apps
from agrimarket.db import close_pool, engine_for, open_pool
from agrimarket.messages.delivery import DeliveryWorker
from agrimarket.messages.settings import MessageSettings
from agrimarket.settings import get_settings
from agrimarket.startup import DatabaseStartup
from agrimarket.tables import MessageDelivery


async def serve() -> None:
    settings = get_settings()
    _, ports = connect_apps()
    engine = engine_for(settings, MessageDelivery._meta.db)

    async def open_db() -> None:
        await open_pool(engine, settings.db_pool_size)

    await DatabaseStartup([open_db]).until_done()
    gateway = ports.message_gateway(settings)
    worker = DeliveryWorker(settings.section(MessageSettings), gateway, settings.public_base_url)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        await gateway.aclose()
        if settings.db_pool_size:
            await close_pool(engine)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
