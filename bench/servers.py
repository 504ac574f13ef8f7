"""uvicorn vs granian serving the app (2 worker processes each, PostgreSQL): a simple page and the scan page.

``python -m bench.servers``; BENCH_SECONDS and BENCH_CONCURRENCY as in bench/serve.py.
"""

from __future__ import annotations

import asyncio
import os
import subprocess

from agrimarket.scaled import server_command
from bench import db
from bench.pages import _setup
from bench.serve import CONCURRENCY, SECONDS, free_port, load, wait

PROCESSES = int(os.environ.get("BENCH_SERVER_PROCESSES", "2"))
SIMPLE_PAGE = "/api/v1/catalog"  # fixed JSON lists: the framework and server cost, no query


async def _measure(base: str, serials: list[str]) -> list[tuple[str, str]]:
    await wait(base)
    scans = [f"/t/{s}" for s in serials]
    await load(base, scans[:50])  # warm-up: connections, facts cache
    rows = []
    for name, paths in (("simple page", [SIMPLE_PAGE]), ("scan page", scans)):
        done = await load(base, paths)
        rows.append((name, f"{done.rps:,.0f} req/s, p99 {done.p99_ms:.1f} ms, {done.errors} errors"))
    return rows


def run() -> list[tuple[str, str]]:
    db.prepare("postgres")
    os.environ.update({"INTEGRATIONS_WORKER": "off", "LOG_FORMAT": "text", "DB_POOL_SIZE": "10"})
    serials, _, _ = asyncio.run(_setup())
    rows = [("load", f"{CONCURRENCY} concurrent, {SECONDS:.0f} s each, {PROCESSES} server processes")]
    for server in ("uvicorn", "granian"):
        port = free_port()
        process = subprocess.Popen(  # noqa: S603 - our own server command
            server_command(server, port, PROCESSES), env=os.environ.copy(), stdout=subprocess.DEVNULL
        )
        try:
            figures = asyncio.run(_measure(f"http://127.0.0.1:{port}", serials))
        finally:
            process.terminate()
            process.wait(15)
        rows += [(f"{server}: {name}", value) for name, value in figures]
    return rows


if __name__ == "__main__":
    print("ASGI servers (PostgreSQL)")
    for key, value in run():
        print(f"{key:<26}  {value}")
