"""Issue + render 10,000 stamps end to end, with the per-stage split."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date

from bench.report import Figure, Result, verdict

COUNT = 10_000
GOAL = 1_000  # stamps/s
# BENCH_STAMP_PINS=1: every label with a scratch-off PIN (drawn, hashed and stored while rendering).
WITH_PIN = os.environ.get("BENCH_STAMP_PINS") == "1"


GTIN = "09506000134352"  # GS1's published example GTIN: the Digital Link run's product


async def _one(actor, batch_id: int, count: int, settings, storage, digital_link: bool) -> tuple[Figure, str]:
    """Issue and render ``count`` stamps with short-URL or Digital Link QR codes: its row and stage split."""
    from traceability.stamps import jobs, serials, service
    from traceability.tables import Stamp, StampIssue

    t0 = time.perf_counter()
    issue_id = await service.create_issue(
        actor,
        batch_id,
        count,
        "30x40",
        claimed=True,
        with_pin=WITH_PIN,
        digital_link_qr=digital_link,
        public_base_url=settings.public_base_url,
    )
    t1 = time.perf_counter()
    timings = await jobs.render_claimed(issue_id, settings, storage)
    t2 = time.perf_counter()
    row = await StampIssue.select().where(StampIssue.id == issue_id).first()
    assert row["status"] == "done" and await Stamp.count().where(Stamp.issuance == issue_id) == count
    assert row["digital_link"] is digital_link

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
    kind = "GS1 Digital Link QR" if digital_link else "short-URL QR"
    figure = Figure(
        f"stamps issued + rendered to PDF + PNG ZIP ({count:,}, {kind}{', with PINs' if WITH_PIN else ''})",
        f"{ours:,.0f}/s ({total:.1f} s)",
        f"{ceiling:,.0f}/s (label rendering alone)",
        f"{ours / ceiling:.0%}",
        verdict(f"≥ {GOAL:,}/s on 2 cores", ours >= GOAL),
    )
    return figure, ", ".join(f"{k} {v:.2f}" for k, v in split.items())


async def _run(count: int) -> Result:
    from agrimarket.media.storage import build_storage
    from agrimarket.settings import Settings
    from agrimarket.tables import Product
    from bench.db import make_batch
    from traceability.stamps import jobs
    from traceability.tables import Batch

    settings = Settings()
    storage = build_storage(settings)
    actor, batch_id = await make_batch()
    # The product has a GTIN and the batch an expiry, so the Digital Link is the longest one we print.
    await Batch.update({Batch.expiry_date: date(2027, 5, 31)}).where(Batch.id == batch_id)
    product = (await Batch.select(Batch.product).where(Batch.id == batch_id).first())["product"]
    await Product.update({Product.gtin: GTIN}).where(Product.id == product)
    # Warm-up: start the worker processes and load fonts once, as a running server has.
    await jobs.issue(actor, batch_id, 1000, "30x40", settings, storage)

    short, short_split = await _one(actor, batch_id, count, settings, storage, digital_link=False)
    linked, linked_split = await _one(actor, batch_id, count, settings, storage, digital_link=True)
    result = Result(
        figures=[short, linked],
        details=[
            ("seconds per stage, short URL:", short_split),
            ("seconds per stage, Digital Link:", linked_split),
        ],
        setup=f"{count:,} stamps of one batch per row, 30×40 mm labels, after a 1,000-stamp warm-up; "
        f"Digital Link /01/{GTIN}/10/LO-BENCH/21/{{serial}}?17=270531",
    )
    from traceability.stamps import render

    render.shutdown_pool()
    return result


def run(count: int = COUNT) -> Result:
    from bench import db

    db.prepare()
    return asyncio.run(_run(count))
