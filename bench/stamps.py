"""Issue + render 10,000 stamps end to end, with the per-stage split."""

from __future__ import annotations

import asyncio
import os
import time

from bench.report import Figure, Result, verdict

COUNT = 10_000
GOAL = 1_000  # stamps/s
# BENCH_STAMP_PINS=1: every label with a scratch-off PIN (drawn, hashed and stored while rendering).
WITH_PIN = os.environ.get("BENCH_STAMP_PINS") == "1"


async def _run(count: int) -> Result:
    from agrimarket.media.storage import build_storage
    from agrimarket.settings import Settings
    from bench.db import make_batch
    from traceability.stamps import jobs, serials, service
    from traceability.tables import Stamp, StampIssue

    settings = Settings()
    storage = build_storage(settings)
    actor, batch_id = await make_batch()
    # Warm-up: start the worker processes and load fonts once, as a running server has.
    await jobs.issue(actor, batch_id, 1000, "30x40", settings, storage)

    t0 = time.perf_counter()
    issue_id = await service.create_issue(actor, batch_id, count, "30x40", claimed=True, with_pin=WITH_PIN)
    t1 = time.perf_counter()
    timings = await jobs.render_claimed(issue_id, settings, storage)
    t2 = time.perf_counter()
    row = await StampIssue.select().where(StampIssue.id == issue_id).first()
    assert row["status"] == "done" and await Stamp.count().where(Stamp.issuance == issue_id) == count

    s0 = time.perf_counter()
    serials.new_serials(count)
    serial_s = time.perf_counter() - s0
    total = t2 - t0
    cpu = sum(timings[k] for k in ("qr", "draw", "png"))
    workers = os.cpu_count() or 2  # the render pool's size
    # The ceiling: the per-label work alone (QR, draw, PNG) spread over the pool, as if the DB,
    # loading, PDF/ZIP assembly and storage cost nothing.
    ours, ceiling = count / total, count / (cpu / workers)
    wall_render = (t2 - t1) - timings["pdf"] - timings["zip"]
    split = {
        "serials": serial_s,
        "DB insert": t1 - t0 - serial_s,
        f"load + render ({workers} processes) + store": wall_render,
        "QR (summed over workers)": timings["qr"],
        "draw": timings["draw"],
        "PNG": timings["png"],
        "PDF": timings["pdf"],
        "ZIP": timings["zip"],
    }
    result = Result(
        figures=[
            Figure(
                f"stamps issued + rendered to PDF + PNG ZIP ({count:,}{', with PINs' if WITH_PIN else ''})",
                f"{ours:,.0f}/s ({total:.1f} s)",
                f"{ceiling:,.0f}/s (label rendering alone)",
                f"{ours / ceiling:.0%}",
                verdict(f"≥ {GOAL:,}/s on 2 cores", ours >= GOAL),
            )
        ],
        details=[("seconds per stage:", ", ".join(f"{k} {v:.2f}" for k, v in split.items()))],
        setup=f"{count:,} stamps of one batch, 30×40 mm labels, after a 1,000-stamp warm-up",
    )
    from traceability.stamps import render

    render.shutdown_pool()
    return result


def run(count: int = COUNT) -> Result:
    from bench import db

    db.prepare()
    return asyncio.run(_run(count))
