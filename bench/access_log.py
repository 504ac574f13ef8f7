"""The processing log's cost on a big read (issue 26): ``python -m bench.access_log [--engine
sqlite|postgres] [--households N]``.

An officer exports a province's household list (N households, 20,000 by default): the log row and
its N subjects are written by ``access_log.record`` in three statements whatever N. Ours: that
write, median of 11; ceiling: the export's own read of the same households (the SELECT with phones
that ``households.directory.export_csv`` makes), median of 11 in the same run. Also the household's
side: ``looks_at`` for one household after 200 such reads.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from bench.db import prepare
from bench.report import Figure, text_table, verdict

RUNS = 11
GOAL_RATIO = 2.0  # a row and two index entries written per household read: at most twice the read
LOOKS_GOAL_MS = 20.0


async def _timed(work) -> float:
    start = time.perf_counter()
    await work()
    return (time.perf_counter() - start) * 1000


async def _medians(*works) -> list[float]:
    """Median of RUNS runs of each, interleaved, so a busy moment of a shared machine hits all."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(RUNS):
        for spent, work in zip(times, works, strict=True):
            spent.append(await _timed(work))
    return [statistics.median(spent) for spent in times]


async def run(households: int) -> list[Figure]:
    from agrimarket.accounts.actor import Actor, Role
    from agrimarket.db import open_pool
    from agrimarket.privacy import access_log
    from agrimarket.tables import Household

    await open_pool(Household._meta.db, 4)  # as the app runs: connections kept, none opened per query

    made = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [(f"Hộ {n}", f"09{n:08d}", "Thôn 1", "11914", made) for n in range(households)]
    for start in range(0, households, 5000):
        chunk = rows[start : start + 5000]
        values = ", ".join("({}, {}, {}, {}, {})" for _ in chunk)
        await Household.raw(
            f"INSERT INTO household (head_name, phone, address, commune, created_at) VALUES {values}",  # noqa: S608
            *[v for row in chunk for v in row],
        )
    officer = Actor(1, "0900000000", "Cán bộ Bench", Role.OFFICER, "vi", scope_province="31")
    ids = [r["id"] for r in await Household.select(Household.id)]
    n = iter(range(10**6))

    async def read() -> None:
        await Household.select(
            Household.id, Household.head_name, Household.phone, Household.address, Household.commune.name
        ).where(Household.commune.province == "31")

    async def log() -> None:  # a new reason each time: the repeat check never skips the write
        await access_log.record(
            officer, "xuất danh sách hộ có số điện thoại tỉnh 31", ids, f"lý do {next(n)}"
        )

    read_ms, log_ms = await _medians(read, log)
    for _ in range(200 - RUNS):
        await log()
    (looks_ms,) = await _medians(lambda: access_log.looks_at(ids[len(ids) // 2]))
    ratio = log_ms / read_ms
    return [
        Figure(
            f"log a read of {households:,} households",
            f"{log_ms:.1f} ms",
            f"{read_ms:.1f} ms (the read)",
            f"{ratio:.2f}",
            verdict(f"≤ {GOAL_RATIO:.1f}×", ratio <= GOAL_RATIO),
        ),
        Figure(
            "a household's 50 newest looks of 200",
            f"{looks_ms:.1f} ms",
            "—",
            "—",
            verdict(f"≤ {LOOKS_GOAL_MS:.0f} ms", looks_ms <= LOOKS_GOAL_MS),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--households", type=int, default=20_000)
    args = parser.parse_args()
    prepare(args.engine, name="agm_bench_access_log")
    print(f"{args.engine}, {args.households:,} households")
    print(text_table(asyncio.run(run(args.households))))


if __name__ == "__main__":
    main()
