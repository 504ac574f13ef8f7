"""Synthetic indicator data for ``bench.indicators``: one province, or the whole country, streamed in.

The province size is Hải Phòng (code 31) alone. The national size is the same Hải Phòng block —
the same seed, so the same rows — followed by the other 33 provinces of the 2025 units: households
spread by a Zipf-like skew (a few big provinces, a long tail; communes skewed too inside each), and
listing history in proportion to households. Rows are generated in chunks and written with COPY
(PostgreSQL) or ``executemany`` over an iterator (SQLite), so memory stays flat at 10 M rows.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PROVINCE = "31"
DAY = date(2026, 6, 30)
START = datetime(2024, 7, 1, tzinfo=UTC)  # two years of history before DAY (province size)
NATIONAL_START = datetime(2023, 7, 1, tzinfo=UTC)  # three years (national size)
CHUNK_LISTINGS = 100_000  # listings (and their history rows) per COPY round

HOUSEHOLD_COLUMNS = ("id", "head_name", "phone", "commune", "created_at")
LISTING_COLUMNS = ("id", "marketplace", "household", "created_at", "updated_at")
HISTORY_COLUMNS = ("listing", "marketplace", "household", "to_state", "version", "at")
DECLARED_COLUMNS = ("household", "marketplace", "shop_url", "from_date", "created_at")


@dataclass(frozen=True)
class Block:
    """Households ``first .. first + count - 1``, each in a commune ``pick`` draws, with ``history`` rows."""

    first: int
    count: int
    history: int
    pick: Callable[[random.Random], str]
    start: datetime
    span_days: int
    seed: int


def province_block(communes: list[str], households: int, history: int) -> Block:
    """Hải Phòng at the province size: communes drawn uniformly, two years of history (the old bench)."""
    return Block(1, households, history, lambda rng: rng.choice(communes), START, 600, seed=130)


def country_blocks(
    communes_by_province: dict[str, list[str]], households: int, history: int, province_households: int
) -> list[Block]:
    """Hải Phòng's block as at the province size, then the other provinces by a Zipf-like share.

    Hải Phòng keeps exactly the province size, so "one province at 130 k and at 1.3 M" compares the
    same rows with and without the rest of the country around them.
    """
    share = history * province_households // households
    first = province_block(communes_by_province[PROVINCE], province_households, share)
    others = sorted(p for p in communes_by_province if p != PROVINCE)
    rng = random.Random(2025)  # noqa: S311 - synthetic data
    rng.shuffle(others)  # which provinces are big: fixed, not by code order
    weights: list[float] = []
    codes: list[str] = []
    for rank, province in enumerate(others, start=1):
        communes = communes_by_province[province]
        share = 1 / rank**0.9  # a province's share of households
        inner = [1 / r**0.7 for r in range(1, len(communes) + 1)]  # towns are bigger than villages
        weights += [share * w / sum(inner) for w in inner]
        codes += communes
    cumulative = list(itertools.accumulate(weights))
    rest = Block(
        first.count + 1,
        households - first.count,
        history - first.history,
        lambda r: r.choices(codes, cum_weights=cumulative)[0],
        NATIONAL_START,
        3 * 365 - 120,
        seed=2026,
    )
    return [first, rest]


def households(block: Block, now: datetime) -> Iterator[tuple]:
    rng = random.Random(block.seed)  # noqa: S311 - synthetic data
    for i in range(block.first, block.first + block.count):
        yield (i, f"Hộ {i}", f"08{i:08d}", block.pick(rng), now)


def listing_chunks(
    block: Block, markets: list[int], first_listing: int, now: datetime
) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """(listings, history rows) in chunks; a listing has 1 to 5 state changes, the last one cut short."""
    rng = random.Random(block.seed + 1)  # noqa: S311 - synthetic data
    last = block.first + block.count - 1
    lid, written = first_listing - 1, 0
    listings: list[tuple] = []
    hist: list[tuple] = []
    while written < block.history:
        lid += 1
        household, market = rng.randint(block.first, last), rng.choice(markets)
        listings.append((lid, market, household, now, now))
        at = block.start + timedelta(minutes=rng.randint(0, 60 * 24 * block.span_days))
        state = "pending"
        for version in range(1, rng.randint(2, 7)):
            if written == block.history:
                break
            hist.append((lid, market, household, state, version, at))
            written += 1
            at += timedelta(minutes=rng.randint(60, 60 * 24 * 120))
            state = rng.choice(("live", "live", "delisted", "rejected")) if state != "live" else "delisted"
        if len(listings) == CHUNK_LISTINGS:
            yield listings, hist
            listings, hist = [], []
    if listings:
        yield listings, hist


def declared(block: Block, now: datetime) -> Iterator[tuple]:
    rng = random.Random(block.seed + 2)  # noqa: S311 - synthetic data
    last = block.first + block.count - 1
    for _ in range(block.count // 50):
        since = DAY - timedelta(days=rng.randint(0, 400))
        yield (rng.randint(block.first, last), "shopee", "https://shopee.vn/x", since, now)


class Writer:
    """Rows into a table: COPY on PostgreSQL (foreign-key triggers off: the rows are consistent by
    construction), ``executemany`` over the iterator on SQLite."""

    async def __aenter__(self) -> Writer:
        self.url = os.environ["DATABASE_URL"]
        if self.url.startswith("sqlite"):
            import sqlite3

            self.sqlite = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        else:
            import asyncpg

            self.pg = await asyncpg.connect(self.url)
            await self.pg.execute("SET session_replication_role = replica")
        return self

    async def write(self, table: str, columns: tuple[str, ...], rows: Iterator[tuple] | list[tuple]) -> None:
        if self.url.startswith("sqlite"):
            from piccolo.engine.sqlite import convert_datetime_in

            fixed = (tuple(convert_datetime_in(v) if isinstance(v, datetime) else v for v in r) for r in rows)
            marks = ", ".join("?" * len(columns))
            self.sqlite.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", fixed)  # noqa: S608
        else:
            await self.pg.copy_records_to_table(table, records=rows, columns=list(columns))

    async def __aexit__(self, *exc: object) -> None:
        if self.url.startswith("sqlite"):
            self.sqlite.commit()
            self.sqlite.close()
        else:
            await self.pg.close()

    async def drop_indexes(self, tables: tuple[str, ...]) -> list[str]:
        """PostgreSQL: the tables' plain indexes dropped (those of constraints kept), their definitions
        returned. Building an index once after the load is several times faster than keeping it
        up to date through 10 M rows."""
        if self.url.startswith("sqlite"):
            return []
        rows = await self.pg.fetch(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'
            AND i.tablename = ANY($1::text[])
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            list(tables),
        )
        for row in rows:
            await self.pg.execute(f'DROP INDEX "{row["indexname"]}"')
        return [row["indexdef"] for row in rows]

    async def create_indexes(self, definitions: list[str]) -> None:
        if definitions:
            await self.pg.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            await self.pg.execute(definition)

    async def set_sequences(self, households: int, listings: int) -> None:
        if not self.url.startswith("sqlite"):
            await self.pg.execute("SELECT setval('household_id_seq', $1)", households)
            await self.pg.execute("SELECT setval('listing_id_seq', $1)", listings)


async def fill(blocks: list[Block], markets: list[int]) -> int:
    """Write every block; returns the number of listings."""
    now = datetime.now(UTC)
    lid = 0
    async with Writer() as out:
        indexes = await out.drop_indexes(("household", "listing", "listing_history", "declared_listing"))
        for block in blocks:
            await out.write("household", HOUSEHOLD_COLUMNS, households(block, now))
        for block in blocks:
            for listings, hist in listing_chunks(block, markets, lid + 1, now):
                await out.write("listing", LISTING_COLUMNS, listings)
                await out.write("listing_history", HISTORY_COLUMNS, hist)
                lid = listings[-1][0]
            await out.write("declared_listing", DECLARED_COLUMNS, declared(block, now))
        await out.create_indexes(indexes)
        await out.set_sequences(sum(b.count for b in blocks), lid)
    return lid
