"""Household list imports (``agrimarket.households.importer``): the growth line of issue 25.

A province officer's CSV of 1,000 and of 50,000 rows (the importer's limit) goes through the
import as an upload does — the file read and checked, then every row validated and written in
chunks — and its rows/s is set against the same rows written alone (plain inserts in the
importer's chunks, one transaction each, no checks). ``python -m bench.imports [N ...]``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime

from bench.report import Figure, Result, verdict

SIZES = (1_000, 50_000)
GOAL = 0.5  # of the floor's rows/s: the checks may cost as much as the writes, no more
PROVINCE = "31"


def _csv(first: int, count: int, communes: list[str]) -> bytes:
    lines = ["Họ tên chủ hộ,Số điện thoại,Mã xã,Địa chỉ"]
    lines += [
        f"Nguyễn Văn {i},09{i:08d},{communes[i % len(communes)]},Thôn {i % 40}"
        for i in range(first, first + count)
    ]
    return ("\n".join(lines) + "\n").encode()


async def _officer():
    from agrimarket.accounts.actor import Actor, Role
    from agrimarket.tables import User

    user = User(
        phone="0911000001",
        password_hash="-",  # noqa: S106 - a bench user that never logs in
        full_name="Cán bộ Bench",
        role="officer",
        scope_province=PROVINCE,
        created_at=datetime.now(UTC),
    )
    await user.save()
    return Actor(user.id, user.phone, user.full_name, Role.OFFICER, "vi", scope_province=PROVINCE)


async def _ours(actor, data: bytes) -> float:
    from agrimarket.households import importer
    from agrimarket.tables import HouseholdImport

    started = time.perf_counter()
    job_id, rows = await importer.start_import(actor, "danh-sach.csv", data)
    await importer.run_import(job_id, rows, actor)
    seconds = time.perf_counter() - started
    job = await HouseholdImport.select().where(HouseholdImport.id == job_id).first()
    assert job["status"] == "done" and job["imported"] == len(rows) and job["rejected"] == 0, job
    return seconds


async def _floor(first: int, count: int, communes: list[str]) -> float:
    """The same number of households inserted alone, in the importer's chunks."""
    from agrimarket.db import write_transaction
    from agrimarket.households.importer import CHUNK
    from agrimarket.tables import Household

    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(first, first + count, CHUNK):
        chunk = range(start, min(start + CHUNK, first + count))
        async with write_transaction():
            await Household.insert(
                *[
                    Household(
                        head_name=f"Trần Thị {i}",
                        phone=f"09{i:08d}",
                        commune=communes[i % len(communes)],
                        created_at=now,
                    )
                    for i in chunk
                ]
            )
    return time.perf_counter() - started


async def _run(sizes: tuple[int, ...]) -> Result:
    from agrimarket.tables import Commune

    communes = await Commune.select(Commune.code).where(Commune.province == PROVINCE).output(as_list=True)
    actor = await _officer()
    figures, line = [], []
    first = 10_000_000
    for count in sizes:
        # Ours, then the floor on other phones: each writes into a table as full as the other's.
        ours = count / await _ours(actor, _csv(first, count, communes))
        floor = count / await _floor(first + count, count, communes)
        first += 2 * count
        figures.append(
            Figure(
                f"household list imported, {count:,} rows (CSV)",
                f"{ours:,.0f} rows/s ({count / ours:.1f} s)",
                f"{floor:,.0f} rows/s (the same inserts alone)",
                f"{ours / floor:.0%}",
                verdict(f"≥ {GOAL:.0%} of the floor", ours >= GOAL * floor),
            )
        )
        line.append(f"{count:,}: {ours:,.0f} rows/s (floor {floor:,.0f})")
    return Result(
        figures=figures,
        details=[("growth, rows per file -> rows/s:", "; ".join(line))],
        setup=f"{', '.join(f'{n:,}' for n in sizes)} rows (name, phone, commune code, address) uploaded by a "
        "province officer, read, validated and written in chunks of 500; floor: the same inserts alone",
    )


def run(sizes: tuple[int, ...] = SIZES) -> Result:
    from bench import db

    db.NAME = "agm_bench_imports"
    db.prepare()
    return asyncio.run(_run(sizes))


if __name__ == "__main__":
    from bench.report import text_table

    result = run(tuple(int(a) for a in sys.argv[1:]) or SIZES)
    print(text_table(result.figures))
    for key, value in result.details:
        print(key, value)
