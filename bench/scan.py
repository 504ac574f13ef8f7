"""Scan page under concurrent load vs a bare "one PK select + same-size page" endpoint (PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))


async def _setup() -> tuple[list[str], list[int]]:
    from agrimarket.media.storage import build_storage
    from agrimarket.settings import Settings
    from bench.db import make_batch
    from traceability.stamps import jobs
    from traceability.tables import Stamp

    actor, batch_id = await make_batch()
    settings = Settings()
    await jobs.issue(actor, batch_id, 500, "30x40", settings, build_storage(settings))
    rows = await Stamp.select(Stamp.id, Stamp.serial).order_by(Stamp.seq)
    return [r["serial"] for r in rows], [r["id"] for r in rows]


async def _load(base: str, paths: list[str]) -> tuple[float, float, int, int]:
    """Requests/s, p99 latency (ms), body size and error count over SECONDS."""
    import httpx

    latencies: list[float] = []
    errors = 0
    size = 0
    stop = time.perf_counter() + SECONDS
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            nonlocal errors, size
            i = offset
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors += 1
                size = len(response.content)
                i += CONCURRENCY

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0
    return len(latencies) / elapsed, p99, size, errors


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    env = os.environ.copy()
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "uvicorn", "bench.scan_app:app", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter and module


async def _wait(base: str) -> None:
    import httpx

    for _ in range(200):
        try:
            async with httpx.AsyncClient() as client:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("bench server did not start")


async def _measure(base: str, serials: list[str], ids: list[int]) -> list[tuple[str, str]]:
    await _wait(base)
    scan_paths = [f"/t/{s}" for s in serials]
    bare_paths = [f"/bench/bare/{i}" for i in ids]
    await _load(base, scan_paths[:50])  # warm-up (facts cache, connections)
    scan_rps, scan_p99, scan_size, scan_err = await _load(base, scan_paths)
    bare_rps, bare_p99, bare_size, bare_err = await _load(base, bare_paths)
    return [
        ("concurrency / duration", f"{CONCURRENCY} / {SECONDS:.0f} s each, 1 uvicorn process"),
        (
            "scan page /t/{serial}",
            f"{scan_rps:,.0f} req/s, p99 {scan_p99:.1f} ms, {scan_size:,} B, {scan_err} errors",
        ),
        (
            "bare PK select + same-size page",
            f"{bare_rps:,.0f} req/s, p99 {bare_p99:.1f} ms, {bare_size:,} B, {bare_err} errors",
        ),
        ("scan / bare throughput", f"{scan_rps / bare_rps:.0%} (goal >= 70%)"),
    ]


def run() -> list[tuple[str, str]]:
    from bench import db

    db.prepare(os.environ.get("BENCH_DB", "postgres"))
    serials, ids = asyncio.run(_setup())
    port = _free_port()
    size = len(f"{serials[0]}")  # replaced below by the real page size
    del size
    server = _serve(port)
    try:
        base = f"http://127.0.0.1:{port}"
        import httpx

        asyncio.run(_wait(base))
        page = httpx.get(f"{base}/t/{serials[0]}")
        os.environ["BENCH_PAGE_SIZE"] = str(len(page.content))
    finally:
        server.terminate()
        server.wait()
    # Restart with the bare page sized like the scan page.
    server = _serve(port)
    try:
        return asyncio.run(_measure(f"http://127.0.0.1:{port}", serials, ids))
    finally:
        server.terminate()
        server.wait()
