"""Issue + render stamps end to end, with the per-stage split: 10,000 with short-URL and with GS1
Digital Link QR codes, then the growth line (issue 25): 1,000, 10,000 and 100,000 per issuance,
stamps/s and the peak resident memory each issuance adds (this process and its render pool)."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date

from bench.peak_memory import PeakRss
from bench.report import Figure, Result, verdict

COUNT = 10_000
GROWTH = (1_000, 10_000, 100_000)  # stamps per issuance, short-URL QR
GOAL = 1_000  # stamps/s
INLINE, WAIT_S = 2_000, 2.0  # STAMP_BACKGROUND_THRESHOLD's default; seconds a farmer waits at most
# BENCH_STAMP_PINS=1: every label with a scratch-off PIN (drawn, hashed and stored while rendering).
WITH_PIN = os.environ.get("BENCH_STAMP_PINS") == "1"


GTIN = "09506000134352"  # GS1's published example GTIN: the Digital Link run's product


async def _one(
    actor, batch_id: int, count: int, settings, storage, digital_link: bool
) -> tuple[Figure, str, float]:
    """Issue and render ``count`` stamps with short-URL or Digital Link QR codes: its row, stage
    split and the peak memory (MiB) the issuance added."""
    from traceability.stamps import jobs, serials, service
    from traceability.tables import Stamp, StampIssue

    with PeakRss() as memory:
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
        f"{ours:,.0f}/s ({total:.1f} s; peak memory +{memory.added:,.0f} MiB)",
        f"{ceiling:,.0f}/s (label rendering alone)",
        f"{ours / ceiling:.0%}",
        # An issuance under the background threshold renders in the request: the farmer waits for it.
        verdict(f"≤ {WAIT_S:.0f} s in the request", total <= WAIT_S)
        if count <= INLINE
        else verdict(f"≥ {GOAL:,}/s on 2 cores", ours >= GOAL),
    )
    return figure, ", ".join(f"{k} {v:.2f}" for k, v in split.items()), memory.added


async def _run(count: int, counts: tuple[int, ...]) -> Result:
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

    # Smallest first, so an earlier, bigger issuance's memory never inflates a later one's peak.
    growth = [await _one(actor, batch_id, n, settings, storage, digital_link=False) for n in counts]
    _, short_split, _ = growth[counts.index(count)] if count in counts else growth[-1]
    linked, linked_split, _ = await _one(actor, batch_id, count, settings, storage, digital_link=True)
    line = "; ".join(
        f"{n:,}: {figure.ours.split(' (')[0]}, +{mib:,.0f} MiB ({mib * 1000 / n:.1f} MiB per 1,000)"
        for n, (figure, _, mib) in zip(counts, growth, strict=True)
    )
    result = Result(
        figures=[*(g[0] for g in growth), linked],
        details=[
            ("growth, stamps per issuance -> stamps/s, peak memory added:", line),
            ("seconds per stage, short URL:", short_split),
            ("seconds per stage, Digital Link:", linked_split),
        ],
        setup=f"{', '.join(f'{n:,}' for n in counts)} stamps of one batch per issuance (short-URL QR) and "
        f"{count:,} with Digital Link QR, 30×40 mm labels, after a 1,000-stamp warm-up; Digital Link "
        f"/01/{GTIN}/10/LO-BENCH/21/{{serial}}?17=270531; memory: VmRSS of the process and its render "
        "pool sampled every 5 ms, peak minus before",
    )
    from traceability.stamps import render

    render.shutdown_pool()
    return result


def run(count: int = COUNT, counts: tuple[int, ...] = GROWTH) -> Result:
    from bench import db

    db.prepare()
    return asyncio.run(_run(count, counts))


if __name__ == "__main__":
    import sys

    from bench.report import text_table

    # ``python -m bench.stamps [N ...]``: the growth line at these counts (default 1,000 10,000 100,000).
    sizes = tuple(int(a) for a in sys.argv[1:]) or GROWTH
    result = run(min(sizes, key=lambda n: abs(n - COUNT)), sizes)
    print(text_table(result.figures))
    for key, value in result.details:
        print(key, value)
