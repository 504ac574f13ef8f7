"""``python -m bench.indicators --households 130000 --history 1000000 [--engine sqlite|postgres]``

Synthetic Hải Phòng: households spread over the province's communes, listings with a state history
over two years, a few declared listings. Times "households selling online by commune for one
province at a date" through the service against the best hand-written SQL for each engine, checks
both give the same answer, and prints the times and the ratio (goal: ≤ 1.2× and < 250 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

PROVINCE = "31"
DAY = date(2026, 6, 30)
START = datetime(2024, 7, 1, tzinfo=UTC)
INDEX = "CREATE INDEX IF NOT EXISTS bench_listing_history_listing_at ON listing_history (listing, at)"

# The same answer by hand: last state per listing (engine-specific best form) + declared + suppliers.
_REST = """
  UNION
  SELECT ps.household FROM live JOIN listing li ON li.id = live.listing
    JOIN product_supplier ps ON ps.product = li.product
  WHERE ps.added_at < {cut} AND (ps.removed_at IS NULL OR ps.removed_at >= {cut})
  UNION
  SELECT d.household FROM declared_listing d
  WHERE d.household IS NOT NULL AND d.from_date <= {day} AND (d.to_date IS NULL OR d.to_date >= {day})
)
SELECT hh.commune, COUNT(*) AS n FROM hits JOIN household hh ON hh.id = hits.household
JOIN commune c ON c.code = hh.commune WHERE c.province = {province} GROUP BY hh.commune"""
HAND_SQLITE = "".join(
    (
        """WITH live AS (
  SELECT listing, household FROM (
    SELECT lh.listing, lh.household, lh.to_state, MAX(lh.at) FROM listing_history lh
    WHERE lh.at < {cut} GROUP BY lh.listing) WHERE to_state = 'live'),
hits AS (SELECT household FROM live WHERE household IS NOT NULL""",
        _REST,
    )
)
HAND_POSTGRES = "".join(
    (
        """WITH live AS (
  SELECT listing, household FROM (
    SELECT DISTINCT ON (lh.listing) lh.listing, lh.household, lh.to_state FROM listing_history lh
    WHERE lh.at < {cut} ORDER BY lh.listing, lh.at DESC, lh.id DESC) x WHERE to_state = 'live'),
hits AS (SELECT household FROM live WHERE household IS NOT NULL""",
        _REST,
    )
)


async def _fill(households: int, history: int) -> None:
    from agrimarket.tables import Commune, DeclaredListing
    from integrations.tables import Marketplace

    rng = random.Random(130)  # noqa: S311 - synthetic data
    db = DeclaredListing._meta.db
    communes = await Commune.select(Commune.code).where(Commune.province == PROVINCE).output(as_list=True)
    for code in ("postmart", "voso"):
        await Marketplace.insert(Marketplace(code=code, name=code.title()))
    markets = await Marketplace.select(Marketplace.id).output(as_list=True)
    now = datetime.now(UTC)
    rows_h = [(i, f"Hộ {i}", f"08{i:08d}", rng.choice(communes), now) for i in range(1, households + 1)]
    listings, hist = [], []
    lid = 0
    while len(hist) < history:
        lid += 1
        household, market = rng.randint(1, households), rng.choice(markets)
        listings.append((lid, market, household, now, now))
        at = START + timedelta(minutes=rng.randint(0, 60 * 24 * 600))
        state = "pending"
        for version in range(1, rng.randint(2, 7)):
            hist.append((lid, market, household, state, version, at))
            at += timedelta(minutes=rng.randint(60, 60 * 24 * 120))
            state = rng.choice(("live", "live", "delisted", "rejected")) if state != "live" else "delisted"
    hist = hist[:history]
    declared = [
        (
            rng.randint(1, households),
            "shopee",
            "https://shopee.vn/x",
            DAY - timedelta(days=rng.randint(0, 400)),
            now,
        )
        for _ in range(households // 50)
    ]
    plans = [
        ("household", "(id, head_name, phone, commune, created_at)", rows_h),
        ("listing", "(id, marketplace, household, created_at, updated_at)", listings),
        ("listing_history", "(listing, marketplace, household, to_state, version, at)", hist),
        ("declared_listing", "(household, marketplace, shop_url, from_date, created_at)", declared),
    ]
    if os.environ["DATABASE_URL"].startswith("sqlite"):
        import sqlite3

        from piccolo.engine.sqlite import convert_datetime_in

        conn = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
        for table, columns, rows in plans:
            marks = ", ".join("?" * columns.count(",") + "?")
            fixed = [tuple(convert_datetime_in(v) if isinstance(v, datetime) else v for v in r) for r in rows]
            conn.executemany(f"INSERT INTO {table} {columns} VALUES ({marks})", fixed)  # noqa: S608
        conn.commit()
        conn.execute(INDEX)
        conn.execute("ANALYZE")
        conn.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        for table, columns, rows in plans:
            names = [c.strip() for c in columns.strip("()").split(",")]
            await conn.copy_records_to_table(table, records=rows, columns=names)
        await conn.execute("SELECT setval('household_id_seq', $1)", households)
        await conn.execute("SELECT setval('listing_id_seq', $1)", lid)
        await conn.execute(INDEX)
        await conn.execute("ANALYZE")
        await conn.close()
    del db


async def _time(fn, repeat: int = 7) -> tuple[float, object]:
    result = await fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


async def _measure(engine: str, households: int, history: int) -> None:
    from agrimarket.indicators.definition import cutoff
    from agrimarket.indicators.queries import AreaFilter, households_by_commune, run

    started = time.perf_counter()
    await _fill(households, history)
    print(
        f"[{engine}] {households:,} households, {history:,} history rows in {time.perf_counter() - started:.1f} s"
    )
    sql = HAND_SQLITE if engine == "sqlite" else HAND_POSTGRES
    sql = sql.replace("{cut}", ":cut").replace("{day}", ":day").replace("{province}", ":province")
    params = {"cut": cutoff(DAY), "day": DAY, "province": PROVINCE}

    async def hand() -> dict[str, int]:
        return {r["commune"]: r["n"] for r in await run(sql, params)}

    async def service() -> dict[str, int]:
        return await households_by_commune(AreaFilter(province=PROVINCE), DAY)

    t_service, got = await _time(service)
    t_hand, expected = await _time(hand)
    assert got == expected, "service and hand-written SQL disagree"
    ratio = t_service / t_hand
    ok = "OK" if ratio <= 1.2 and t_service < 250 else "MISSED"
    print(
        f"[{engine}] by commune at {DAY}: service {t_service:.0f} ms, hand-written {t_hand:.0f} ms, "
        f"ratio {ratio:.2f} ({ok}; {sum(got.values()):,} households in {len(got)} communes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=130_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default=None, help="default: both")
    args = parser.parse_args()
    if args.engine is None:
        for engine in ("sqlite", "postgres"):
            command = [sys.executable, "-m", "bench.indicators", "--engine", engine]
            command += ["--households", str(args.households), "--history", str(args.history)]
            subprocess.run(command, check=True)  # noqa: S603 - our own module, one process per engine
        return
    from bench import db

    db.NAME = "agm_bench_indicators"
    db.prepare(args.engine)
    asyncio.run(_measure(args.engine, args.households, args.history))


if __name__ == "__main__":
    main()
