"""The erasure job: ``python -m agrimarket.privacy.run`` erases every household whose grace period
is over and exits (run it from cron or a systemd timer, e.g. hourly; running it twice at once is
safe: each request is claimed by one update). The subscribers of the other apps are connected
first, so their parts are erased in the same transactions."""

from __future__ import annotations

import asyncio
import logging

from agrimarket.app import connect_apps
from agrimarket.db import close_pool, engine_for, open_pool
from agrimarket.privacy.deletion import erase_due
from agrimarket.settings import get_settings
from agrimarket.startup import DatabaseStartup
from agrimarket.tables import DeletionRequest

log = logging.getLogger(__name__)


async def run_once() -> int:
    settings = get_settings()
    connect_apps()
    engine = engine_for(settings, DeletionRequest._meta.db)

    async def open_db() -> None:
        await open_pool(engine, settings.db_pool_size)

    await DatabaseStartup([open_db]).until_done()
    try:
        return await erase_due()
    finally:
        if settings.db_pool_size:
            await close_pool(engine)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    log.info("households erased: %d", asyncio.run(run_once()))


if __name__ == "__main__":
    main()
