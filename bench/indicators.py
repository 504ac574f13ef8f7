"""``python -m bench.indicators [--size province|national] [--households N --history N] [--engine sqlite|postgres]``

Province size: synthetic Hải Phòng, 130,000 households and 1 M listing-history rows over two years.
National size (``--size national``, PostgreSQL; ``make bench BENCH=national`` runs both sizes and
prints them side by side): the same Hải Phòng plus the 33 other provinces, 1.3 M households and
10 M history rows over three years (``bench.indicators_fill``). Live spans are built by the
backfill's SQL, as the migration does. Per size: households selling by commune for one province and
by province for the whole country at a date, each against the best hand-written SQL on the same
tables (the answers are checked equal, and against a count straight from the history); the officer
dashboard's whole report for the province and for the country; the country's CSV and XLSX exports
by commune (time, and the memory they add while written).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

from bench import indicators_fill as data
from bench.indicators_figures import FIGURES, details, figure, single
from bench.indicators_fill import DAY, PROVINCE
from bench.peak_memory import PeakRss
from bench.report import Result, text_table

SIZES = {"province": (130_000, 1_000_000), "national": (1_300_000, 10_000_000)}
# Medians of: each query (per size), the dashboard's report, each export. FLAT: the export written
# again with this many times the commune rows, to see that its memory does not grow.
REPEAT = {"province": 11, "national": 5}
DASHBOARD_REPEAT, EXPORT_REPEAT, FLAT = 5, 3, 10
EXPORT_KINDS = ("csv", "xlsx")
# The ceilings: the best hand-written SQL on the same tables, the summary included (the plain
# range read of one province's spans covering the day; also tried: EXISTS per commune, the
# (province, to_day) index alone, COUNT over a subquery of households). Timed against ours.
HAND_SUMMARY = """SELECT commune, COUNT(*) AS n FROM selling_span
WHERE province = :province AND market = '' AND source = '' AND to_day > :day AND from_day <= :day
GROUP BY commune"""
HAND_SUMMARY_COUNTRY = """SELECT province, COUNT(*) AS n FROM selling_span
WHERE market = '' AND source = '' AND to_day > :day AND from_day <= :day GROUP BY province"""
# The same answer without the summary, the fastest we found on the history's own tables (indexes
# allowed; also tried UNION ALL + GROUP BY household, COUNT(DISTINCT) after joining the households,
# EXISTS per household, a (id, commune) index on household, one OR for open and closed spans): live
# spans covering the cutoff (open ones and closed ones: two index range scans), suppliers and
# declared listings, each household once, counted per commune, then the province's communes kept.
# SQLite follows CROSS JOIN's order (suppliers from product_supplier, households by id). Timed
# too (what the summary buys) and its answer checked equal.
HAND = """WITH hits AS (
  SELECT household FROM listing_span WHERE live_until IS NULL AND live_from < :cut AND household IS NOT NULL
  UNION
  SELECT household FROM listing_span WHERE live_until >= :cut AND live_from < :cut AND household IS NOT NULL
  UNION
  SELECT ps.household FROM product_supplier ps CROSS JOIN listing li CROSS JOIN listing_span s
  WHERE li.product = ps.product AND s.listing = li.id
    AND s.live_from < :cut AND (s.live_until IS NULL OR s.live_until >= :cut)
    AND ps.added_at < :cut AND (ps.removed_at IS NULL OR ps.removed_at >= :cut)
  UNION
  SELECT d.household FROM declared_listing d
  WHERE d.household IS NOT NULL AND d.from_date <= :day AND (d.to_date IS NULL OR d.to_date >= :day)
),
per_commune AS (
  SELECT hh.commune, COUNT(*) AS n FROM hits CROSS JOIN household hh
  WHERE hh.id = hits.household GROUP BY hh.commune)
SELECT p.commune, p.n FROM per_commune p JOIN commune c ON c.code = p.commune WHERE c.province = :province"""
# Untimed cross-check: the same answer straight from the history (each listing's last row; the
# bench has no supplier links, whose branch still reads the spans).
FROM_HISTORY = HAND.replace(
    """WITH hits AS (
  SELECT household FROM listing_span WHERE live_until IS NULL AND live_from < :cut AND household IS NOT NULL
  UNION
  SELECT household FROM listing_span WHERE live_until >= :cut AND live_from < :cut AND household IS NOT NULL""",
    """WITH hits AS (
  SELECT household FROM (
    SELECT household, to_state, ROW_NUMBER() OVER (PARTITION BY listing ORDER BY at DESC, id DESC) AS rn
    FROM listing_history WHERE at < :cut) last WHERE rn = 1 AND to_state = 'live' AND household IS NOT NULL""",
)


# Whole country by province: the same hits, each household once, counted per commune, then per province.
HAND_COUNTRY = (
    HAND.split("per_commune AS")[0]  # noqa: S608 - fixed SQL
    + """per_commune AS (
  SELECT hh.commune, COUNT(*) AS n FROM hits CROSS JOIN household hh
  WHERE hh.id = hits.household GROUP BY hh.commune)
SELECT c.province, SUM(p.n) AS n FROM per_commune p JOIN commune c ON c.code = p.commune GROUP BY c.province"""
)


async def _after_load() -> None:
    """The pre-aggregated summary of households selling, rebuilt from the loaded history as the
    migration's backfill does on a live database (COPY bypasses the writers that keep it)."""
    from agrimarket.indicators import summary  # after DATABASE_URL is set, like the other imports here

    await summary.rebuild()


async def _load(size: str, households: int, history: int) -> float:
    """Seconds to write the rows, build the spans (and the summary) and gather statistics."""
    from agrimarket.indicators.queries import run as sql
    from agrimarket.tables import Commune
    from integrations.listings.spans import rebuild_all_spans
    from integrations.tables import Marketplace

    started = time.perf_counter()
    rows = await Commune.select(Commune.code, Commune.province).order_by(Commune.code)
    by_province: dict[str, list[str]] = {}
    for row in rows:
        by_province.setdefault(row["province"], []).append(row["code"])
    for code in ("postmart", "voso"):
        await Marketplace.insert(Marketplace(code=code, name=code.title()))
    markets = await Marketplace.select(Marketplace.id).output(as_list=True)
    if size == "national":
        # Hải Phòng keeps a tenth: at 1.3 M, exactly the province size's 130,000 households.
        blocks = data.country_blocks(by_province, households, history, households // 10)
    else:
        blocks = [data.province_block(by_province[PROVINCE], households, history)]
    await data.fill(blocks, markets)
    # Spans as production has them: the backfill's SQL over the whole history. Then the statistics
    # and (PostgreSQL) the visibility map that autovacuum keeps on a live database.
    await rebuild_all_spans()
    await _after_load()
    await sql("ANALYZE" if os.environ["DATABASE_URL"].startswith("sqlite") else "VACUUM ANALYZE", {})
    return time.perf_counter() - started


async def _time_interleaved(*fns, repeat: int = 11) -> list[tuple[float, object]]:
    """(median ms, result) of each, runs interleaved so that a busy moment of the machine hits all alike."""
    results = [await fn() for fn in fns]  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            results[i] = await fn()
            times[i].append((time.perf_counter() - started) * 1000)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


async def _measure(engine: str, size: str, households: int, history: int) -> dict[str, float]:
    from piccolo.engine.finder import engine_finder

    from agrimarket.db import open_pool
    from agrimarket.indicators.definition import cutoff
    from agrimarket.indicators.queries import AreaFilter, households_by_commune, households_by_province, run
    from agrimarket.settings import Settings

    got: dict[str, float] = {"fill_s": await _load(size, households, history)}
    print(
        f"[{engine}] {households:,} households, {history:,} history rows in {got['fill_s']:.1f} s", flush=True
    )
    await open_pool(engine_finder(), Settings().db_pool_size)
    params = {"cut": cutoff(DAY), "day": DAY, "province": PROVINCE}

    def by(key: str, rows: list[dict]) -> dict[str, int]:
        return {r[key]: int(r["n"]) for r in rows}

    async def hand() -> dict[str, int]:
        return by("commune", await run(HAND_SUMMARY, params))

    async def over_spans() -> dict[str, int]:
        return by("commune", await run(HAND, params))

    async def service() -> dict[str, int]:
        return await households_by_commune(AreaFilter(province=PROVINCE), DAY)

    repeat = REPEAT[size]
    timed = await _time_interleaved(service, hand, over_spans, repeat=repeat)
    (got["commune"], answer), (got["commune_hand"], expected), (got["commune_spans"], from_spans) = timed
    assert answer == expected, "service and hand-written SQL disagree"
    assert answer == from_spans, "the summary and the live spans disagree"
    from_history = by("commune", await run(FROM_HISTORY, params))
    assert answer == from_history, "live spans and listing history disagree"
    got["households"], got["communes"] = sum(answer.values()), len(answer)

    async def hand_country() -> dict[str, int]:
        return by("province", await run(HAND_SUMMARY_COUNTRY, params))

    async def spans_country() -> dict[str, int]:
        return by("province", await run(HAND_COUNTRY, params))

    async def service_country() -> dict[str, int]:
        return {r["province"]: r["n"] for r in await households_by_province(DAY) if r["source"] == ""}

    timed = await _time_interleaved(service_country, hand_country, spans_country, repeat=repeat)
    (got["country"], by_province), (got["country_hand"], expected), (got["country_spans"], from_spans) = timed
    assert by_province == expected, "by province: service and hand-written SQL disagree"
    assert by_province == from_spans, "by province: the summary and the live spans disagree"
    got["country_households"], got["provinces"] = sum(by_province.values()), len(by_province)
    for scope in ("province", "country"):
        got[f"dashboard_{scope}"] = await _time_dashboard(scope)
    got.update(await _time_exports())
    return got


def _area(scope: str):
    from agrimarket.indicators.area import COUNTRY, Area

    return Area(PROVINCE, "Hải Phòng") if scope == "province" else COUNTRY


async def _time_dashboard(scope: str) -> float:
    """Median ms of the dashboard's report for the province or the whole country, on the app's pool."""
    from agrimarket.indicators.service import build_report

    await build_report(_area(scope), DAY)  # warm-up: the pool's connections
    times = []
    for _ in range(DASHBOARD_REPEAT):
        started = time.perf_counter()
        await build_report(_area(scope), DAY)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _time_exports() -> dict[str, float]:
    """The country's CSV and XLSX by commune, as a download runs: the report, then the file's chunks
    (made in a worker thread, as the response streams them). Time: median of EXPORT_REPEAT. Memory: what the
    writing adds, traced (Python allocations) and as resident memory of the process."""
    from agrimarket.indicators.exports import report_csv_chunks, report_xlsx_chunks
    from agrimarket.indicators.service import build_report

    writers = {"csv": report_csv_chunks, "xlsx": report_xlsx_chunks}

    def drain(chunks) -> int:
        return sum(len(c) for c in chunks)

    got: dict[str, float] = {}
    for kind in EXPORT_KINDS:
        writer = writers[kind]
        times = []
        for _ in range(EXPORT_REPEAT):
            started = time.perf_counter()
            report = await build_report(_area("country"), DAY)
            with PeakRss() as rss:
                size = await asyncio.to_thread(drain, writer(report))
            times.append((time.perf_counter() - started) * 1000)
        # Flat: writing a file with ten times the commune rows must not take more memory.
        traced = [_traced(writer, report), _traced(writer, replace(report, communes=report.communes * FLAT))]
        rows = len(report.communes)
        got |= {f"{kind}_ms": statistics.median(times), f"{kind}_bytes": size, f"{kind}_rows": rows}
        got |= {f"{kind}_traced": traced[0], f"{kind}_traced10": traced[1], f"{kind}_rss": rss.added}
    return got


def _traced(writer, report) -> int:
    """Bytes of Python memory allocated at the peak while the whole file is written, above the start."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _chunk in writer(report):
        pass
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def run(engine: str = "postgres", households: int = 130_000, history: int = 1_000_000) -> Result:
    """The province size's figures for ``make bench`` (one engine, in this process)."""
    from bench import db

    db.NAME = "agm_bench_indicators"
    db.prepare(engine)
    got = asyncio.run(_measure(engine, "province", households, history))
    return Result(
        figures=single(got, engine),
        details=[details(got, "province")],
        setup=f"{households:,} households, {history:,} history rows, {engine} only (was SQLite too: "
        "`python -m bench.indicators` runs both); queries: median of 11 interleaved runs; the "
        "dashboard's report: median of 5, its reads side by side on the app's pool; exports: median "
        "of 3; the national size: `make bench BENCH=national`",
    )


def run_national() -> Result:
    """Both sizes, each in a process and a database of its own, side by side (``BENCH=national``)."""
    sizes = []
    for size in ("province", "national"):
        out = Path(f"/tmp/agm-bench-indicators-{size}-{os.getpid()}.json")  # noqa: S108 - our own file
        command = [sys.executable, "-m", "bench.indicators", "--engine", "postgres", "--size", size]
        subprocess.run([*command, "--json", str(out)], check=True)  # noqa: S603 - our own module
        sizes.append(json.loads(out.read_text()))
        out.unlink()
    (h1, r1), (h2, r2) = SIZES["province"], SIZES["national"]
    return Result(
        figures=[figure(name, sizes, "postgres") for name in FIGURES],
        details=[details(sizes[0], "province"), details(sizes[1], "national")],
        setup=f"each figure at {h1:,} | {h2:,} households ({r1:,} | {r2:,} history rows; the national "
        "size is the same Hải Phòng plus 33 provinces, three years of history; written with COPY); "
        "growth: the second figure over the first (the data grows 10×)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=tuple(SIZES), default="province")
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--history", type=int, default=None)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default=None, help="default: both")
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args()
    households = args.households or SIZES[args.size][0]
    history = args.history or SIZES[args.size][1]
    if args.engine is None:
        for engine in ("sqlite", "postgres"):
            command = [sys.executable, "-m", "bench.indicators", "--engine", engine, "--size", args.size]
            command += ["--households", str(households), "--history", str(history)]
            subprocess.run(command, check=True)  # noqa: S603 - our own module, one process per engine
        return
    from bench import db

    db.NAME = f"agm_bench_indicators_{args.size}"
    db.prepare(args.engine)
    got = asyncio.run(_measure(args.engine, args.size, households, history))
    if args.json:
        Path(args.json).write_text(json.dumps(got))
    print(text_table(single(got, args.engine)))
    print(*details(got, args.size))


if __name__ == "__main__":
    main()
