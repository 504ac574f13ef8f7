"""Issue + render 10,000 stamps end to end, with the per-stage split."""

from __future__ import annotations

import asyncio
import time

COUNT = 10_000


async def _run(count: int) -> list[tuple[str, str]]:
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
    issue_id = await service.create_issue(actor, batch_id, count, "30x40", claimed=True)
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
    wall_render = (t2 - t1) - timings["pdf"] - timings["zip"]
    rows = [
        ("stamps", f"{count:,}"),
        ("end to end (issue + PDF + PNG ZIP, stored)", f"{total:.2f} s = {count / total:,.0f} stamps/s"),
        ("  serial generation", f"{serial_s:.3f} s"),
        ("  DB insert (one transaction)", f"{t1 - t0 - serial_s:.3f} s"),
        ("  load stamps + render (2 processes) + store", f"{wall_render:.3f} s"),
        ("    QR matrix (CPU, summed over workers)", f"{timings['qr']:.3f} s"),
        ("    label draw (CPU)", f"{timings['draw']:.3f} s"),
        ("    label PNG encode (CPU)", f"{timings['png']:.3f} s"),
        ("  PDF assembly", f"{timings['pdf']:.3f} s"),
        ("  ZIP assembly", f"{timings['zip']:.3f} s"),
        ("  render CPU share", f"{cpu / total / 2:.0%} of 2 cores"),
    ]
    from traceability.stamps import render

    render.shutdown_pool()
    return rows


def run(count: int = COUNT) -> list[tuple[str, str]]:
    from bench import db

    db.prepare()
    return asyncio.run(_run(count))
