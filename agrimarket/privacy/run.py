"""One pass of the retention job (closed accounts past their grace period erased first):
``python -m agrimarket.privacy.run``, for a cron when the app processes do not run it
(``RETENTION_JOB=off``). Exits 1 when a step failed."""

from __future__ import annotations

import asyncio
import logging

from agrimarket.app import connect_apps
from agrimarket.db import close_pool, engine_for, open_pool
from agrimarket.media.storage import build_storage
from agrimarket.privacy.retention import run_once
from agrimarket.settings import get_settings
from agrimarket.tables import AuthSession


async def run() -> dict[str, int]:
    settings = get_settings()
    connect_apps()  # the apps' steps come through the ports, filled as create_app fills them
    engine = engine_for(settings, AuthSession._meta.db)
    await open_pool(engine, settings.db_pool_size)
    try:
        return await run_once(settings, build_storage(settings))
    finally:
        if settings.db_pool_size:
            await close_pool(engine)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    done = asyncio.run(run())
    raise SystemExit(1 if any(n < 0 for n in done.values()) else 0)


if __name__ == "__main__":
    main()
