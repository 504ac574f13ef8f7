"""Piccolo commands of the integrations app (``piccolo integrations <command>``)."""

from __future__ import annotations

import asyncio
import os
import sys

from agrimarket.settings import get_settings


async def worker(processes: int = 1) -> None:
    """Run sync worker processes (PostgreSQL: several; SQLite: one) until interrupted.

    :param processes: how many worker processes to start.
    """
    if get_settings().is_sqlite and processes > 1:
        print("SQLite: one worker process only (it has a single writer).")
        processes = 1
    env = os.environ | {"INTEGRATIONS_EXIT_WITH_PARENT": "1"}
    children = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "integrations.sync.run", env=env)
        for _ in range(processes)
    ]
    try:
        await asyncio.gather(*(child.wait() for child in children))
    finally:
        for child in children:
            if child.returncode is None:
                child.terminate()
