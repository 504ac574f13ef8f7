"""The SQL answer (read from the summary the writers keep) equals a straightforward Python computation over seeded
random histories, same-instant and out-of-order rows included."""

from __future__ import annotations

import asyncio
import contextvars
import os
import random
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from agrimarket.db import write_transaction
from agrimarket.indicators import summary
from agrimarket.indicators.area import area_by_code
from agrimarket.indicators.definition import cutoff
from agrimarket.indicators.queries import (
    AreaFilter,
    headline_series,
    households_by_commune,
    households_by_province,
)
from agrimarket.indicators.service import build_report
from agrimarket.tables import Commune, DeclaredListing, Household, ProductSupplier, SellingMonth, SellingSpan
from integrations.listings.service import append_history
from integrations.tables import Listing
from tests.agrimarket.indicators.helpers import cooperative, history, household, listing, product, stored, vn
from tests.agrimarket.indicators.test_spans import spans, spans_from_history
from tests.conftest import ENGINE
from tests.factories import HAI_PHONG
from tests.waiting import until

STATES = ("pending", "live", "live", "rejected", "delisted")
START = date(2026, 1, 1)


def expected(changes: dict, owners: dict, markets: dict, day: date) -> tuple[int, dict[str, int]]:
    """Households (total, per marketplace) with a listing whose last change before the cutoff is live."""
    end = cutoff(day)
    selling: dict[str, set[int]] = {}
    for item, rows in changes.items():
        past = [state for state, at in sorted(rows, key=lambda r: r[1]) if at < end]
        if past and past[-1] == "live":
            selling.setdefault(markets[item], set()).add(owners[item])
    everyone = set().union(*selling.values()) if selling else set()
    return len(everyone), {code: len(hs) for code, hs in selling.items()}


async def test_sql_matches_python_on_random_histories():
    rng = random.Random(20260106)
    farms = [await household() for _ in range(12)]
    changes, owners, markets = {}, {}, {}
    for _ in range(30):
        farm, code = rng.choice(farms), rng.choice(("postmart", "voso"))
        item = await listing(farm, code=code)
        # Repeated days and two hours make same-instant rows; some are written out of time order
        # (as the demo back-history is). Ties go to the row written later, in both answers.
        days = sorted(rng.choices(range(60), k=rng.randint(1, 6)))
        rows = [(rng.choice(STATES), vn(2026, 1, 1, rng.choice((9, 23))) + timedelta(days=d)) for d in days]
        if rng.random() < 0.3:
            rng.shuffle(rows)
        await history(item, *rows)
        changes[item], owners[item], markets[item] = rows, farm, code
    for item in changes:  # the spans the writer kept are the history's
        assert await spans(item) == await spans_from_history(item), item
    area = await area_by_code(HAI_PHONG)
    for offset in range(-1, 62, 3):
        day = START + timedelta(days=offset)
        report = await build_report(area, day, with_series=False)
        total, per_market = expected(changes, owners, markets, day)
        assert report.households == total, day
        got = {m.key: m.households for m in report.marketplaces if m.households}
        assert got == per_market, day


def hits_at(world: dict, day: date) -> set[tuple[int, str, str]]:
    """(household, market, source) reasons to count at the end of ``day``, by the definition."""
    end = cutoff(day)
    found: set[tuple[int, str, str]] = set()
    for item, rows in world["changes"].items():
        past = [state for state, at in sorted(rows, key=lambda r: r[1]) if at < end]
        if not (past and past[-1] == "live"):
            continue
        owner, product_id, market = world["listings"][item]
        if owner is not None:
            found.add((owner, market, "synced"))
        for supplier, supplied in world["suppliers"].items():
            added, removed = supplied["added"], supplied["removed"]
            if supplier[0] == product_id and added < end and (removed is None or removed >= end):
                found.add((supplier[1], market, "synced"))
    for farm, market, first, last in world["declared"].values():
        if first <= day and (last is None or day <= last):
            found.add((farm, market, "declared"))
    return found


async def test_summary_matches_python_with_suppliers_declared_and_moves():
    """The pre-aggregated history, kept by every writer in its transaction, equals the definition
    computed in Python, and equals a rebuild from scratch, through back-dated declared listings
    and history rows, suppliers joining and leaving, listings ending, and households moving."""
    rng = random.Random(20261207)
    communes = (
        await Commune.select(Commune.code).where(Commune.province == HAI_PHONG).limit(3).output(as_list=True)
    )
    elsewhere = await Commune.select(Commune.code).where(Commune.province != HAI_PHONG).first()
    places = [*communes, elsewhere["code"]]
    farms = [await household(commune=rng.choice(places)) for _ in range(14)]
    coop = await cooperative()
    goods = [await product(cooperative_id=coop) for _ in range(3)]
    world: dict = {"changes": {}, "listings": {}, "suppliers": {}, "declared": {}, "commune": {}}
    for farm in farms:
        world["commune"][farm] = (
            await Household.select(Household.commune).where(Household.id == farm).first()
        )["commune"]

    async def write_history() -> None:
        if world["listings"] and rng.random() < 0.3:  # more rows for an earlier listing, maybe back-dated
            item = rng.choice(list(world["listings"]))
        else:
            code = rng.choice(("postmart", "voso"))
            product_id = rng.choice(goods)
            taken = {(p, c) for _, p, c in world["listings"].values()}
            if rng.random() < 0.35 and (product_id, code) not in taken:  # one listing per product and market
                owner = None
                item = await listing(cooperative_id=coop, product_id=product_id, code=code)
            else:
                owner, product_id = rng.choice(farms), None
                item = await listing(owner, code=code)
            world["listings"][item], world["changes"][item] = (owner, product_id, code), []
        days = sorted(rng.choices(range(60), k=rng.randint(1, 4)))
        rows = [
            (rng.choice(STATES), vn(2026, 1, 1, rng.choice((0, 9, 23))) + timedelta(days=d)) for d in days
        ]
        previous = len(world["changes"][item])
        row = await Listing.select().where(Listing.id == item).first()
        for version, (state, at) in enumerate(rows, start=previous + 1):
            await append_history(row, None, state, version, at=at)
        world["changes"][item].extend(rows)

    async def change_supplier() -> None:
        key = (rng.choice(goods), rng.choice(farms))
        supplied = world["suppliers"].get(key)
        at = vn(2026, 1, 1, rng.choice((0, 15))) + timedelta(days=rng.randint(0, 60))
        if supplied is None:
            await stored(ProductSupplier(product=key[0], household=key[1], added_at=at))
            world["suppliers"][key] = {"added": at, "removed": None}
        elif supplied["removed"] is None and at > supplied["added"]:
            async with write_transaction():  # as the supplier and membership writers do
                await ProductSupplier.update({ProductSupplier.removed_at: at}).where(
                    (ProductSupplier.product == key[0]) & (ProductSupplier.household == key[1])
                )
                await summary.refresh([key[1]])
            supplied["removed"] = at

    async def declare() -> None:
        if world["declared"] and rng.random() < 0.4:  # end (or reopen) an earlier one, back-dated
            listing_id = rng.choice(list(world["declared"]))
            farm, market, first, _ = world["declared"][listing_id]
            last = first + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.8 else None
            async with write_transaction():
                await DeclaredListing.update({DeclaredListing.to_date: last}).where(
                    DeclaredListing.id == listing_id
                )
                await summary.refresh([farm])
            world["declared"][listing_id] = (farm, market, first, last)
            return
        farm, market = rng.choice(farms), rng.choice(("shopee", "postmart"))
        first = START + timedelta(days=rng.randint(-5, 55))
        last = first + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.5 else None
        row = DeclaredListing(
            household=farm,
            marketplace=market,
            shop_url="https://shopee.vn/x",
            from_date=first,
            to_date=last,
            created_at=datetime.now(UTC),
        )
        await stored(row)
        world["declared"][row.id] = (farm, market, first, last)

    async def move() -> None:
        farm, commune = rng.choice(farms), rng.choice(places)
        async with write_transaction():
            await Household.update({Household.commune: commune}).where(Household.id == farm)
            await summary.household_moved(farm)
        world["commune"][farm] = commune

    steps = (write_history, write_history, write_history, change_supplier, declare, move)
    for _ in range(70):
        await rng.choice(steps)()
    kept, kept_months = await summary_rows(), await month_rows()
    await summary.rebuild()
    assert await summary_rows() == kept  # maintained == rebuilt from scratch
    assert await month_rows() == kept_months

    area = await area_by_code(HAI_PHONG)
    in_province = {farm for farm, commune in world["commune"].items() if commune in communes}
    days = [START + timedelta(days=offset) for offset in range(-6, 63, 4)]
    series = await headline_series(area.filter, days)
    for day in days:
        hits = {hit for hit in hits_at(world, day) if hit[0] in in_province}
        report = await build_report(area, day, with_series=False, with_participation=False)
        assert report.households == len({h for h, _, _ in hits}), day
        for source in ("synced", "declared"):
            assert getattr(report, source) == len({h for h, _, s in hits if s == source}), (day, source)
        by_market = {m.key: m.households for m in report.marketplaces if m.households}
        markets = {m for _, m, _ in hits}
        assert by_market == {m: len({h for h, k, _ in hits if k == m}) for m in markets}, day
        by_commune: dict[str, int] = {}
        for farm in {h for h, _, _ in hits}:
            by_commune[world["commune"][farm]] = by_commune.get(world["commune"][farm], 0) + 1
        assert await households_by_commune(area.filter, day) == by_commune, day
        assert {c.code: c.households for c in report.communes if c.households} == by_commune, day
        point = series[day]
        assert (point.get("", 0), point.get("synced", 0), point.get("declared", 0)) == (
            report.households,
            report.synced,
            report.declared,
        ), day
        everywhere = {h for h, _, _ in hits_at(world, day)}
        country = {(r["province"], r["source"]): r["n"] for r in await households_by_province(day)}
        assert sum(n for (_, source), n in country.items() if source == "") == len(everywhere), day

    # Month ends: the chart reads the month summary (selling_month), for an area and the country.
    month_ends = [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    for where, farms_in in (
        (area.filter, in_province),
        (AreaFilter(), set(world["commune"])),
        (
            AreaFilter(province=HAI_PHONG, commune=communes[0]),
            {f for f, c in world["commune"].items() if c == communes[0]},
        ),
    ):
        monthly = await headline_series(where, month_ends)
        for day in month_ends:
            hits = {hit for hit in hits_at(world, day) if hit[0] in farms_in}
            want = {"": len({h for h, _, _ in hits})}
            want |= {s: len({h for h, _, k in hits if k == s}) for s in ("synced", "declared")}
            assert {k: monthly[day].get(k, 0) for k in want} == want, (where, day)


async def month_rows() -> list[tuple]:
    """The month summary's non-zero net changes (a writer may leave a zero behind)."""
    rows = await SellingMonth.select().where(SellingMonth.delta != 0)
    return sorted((str(r["month"]), r["commune"], r["province"], r["source"], r["delta"]) for r in rows)


async def summary_rows() -> list[tuple]:
    rows = await SellingSpan.select(
        SellingSpan.household,
        SellingSpan.market,
        SellingSpan.source,
        SellingSpan.from_day,
        SellingSpan.to_day,
        SellingSpan.commune,
        SellingSpan.province,
    )
    return sorted((tuple(r.values()) for r in rows), key=lambda row: [str(v) for v in row])


async def test_a_listing_going_live_within_the_households_spans_leaves_them_as_they_are():
    """The common change (a household already selling lists one more product) rewrites nothing;
    a listing going live outside the spans at any level (another marketplace, earlier days) redoes
    them, and both ways equal a rebuild."""

    async def mark() -> None:  # a rewrite copies legacy_district from the household again
        await SellingSpan.update({SellingSpan.legacy_district: "untouched"}, force=True)

    async def marked() -> bool:
        return await SellingSpan.exists().where(SellingSpan.legacy_district == "untouched")

    farm = await household()
    await history(await listing(farm), ("pending", vn(2026, 1, 1)), ("live", vn(2026, 1, 2)))
    await mark()
    await history(await listing(farm), ("pending", vn(2026, 1, 5)), ("live", vn(2026, 1, 6)))
    assert await marked()

    for code, day in (("voso", 7), ("postmart", 1)):  # a new marketplace level; then earlier days
        await history(await listing(farm, code=code), ("live", vn(2026, 1, day)))
        assert not await marked()
        await mark()
    maintained = await summary_rows()
    assert [(r[1], r[2], str(r[3])) for r in maintained] == [
        ("", "", "2026-01-01"),
        ("", "synced", "2026-01-01"),
        ("postmart", "", "2026-01-01"),
        ("voso", "", "2026-01-07"),
    ]
    await summary.rebuild()
    assert await summary_rows() == maintained


async def lock_waiters() -> int:
    """Sessions of this test's database waiting on a lock (asked on a connection of its own)."""
    watcher = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    finally:
        await watcher.close()


@pytest.mark.skipif(ENGINE != "postgres", reason="transactions on separate connections")
async def test_listings_going_live_while_the_spans_are_redone_wait_and_check_again():
    """A household's first live time ends (its spans are redone, uncommitted) while six other
    listings go live on days the stored spans still cover: the six wait for that writer instead of
    trusting spans about to change, check again, and the summary left equals a rebuild."""
    farm = await household()
    first = await listing(farm)
    await history(first, ("live", vn(2026, 1, 2)))
    others = [await listing(farm) for _ in range(6)]

    async def change(item: int, previous: str | None, state: str, version: int, day: int) -> None:
        row = await Listing.select().where(Listing.id == item).first()
        await append_history(row, previous, state, version, at=vn(2026, 1, day))

    async with write_transaction():  # held open after its spans are redone
        await change(first, "live", "delisted", 2, 4)
        # A context of their own: each writer opens its own transaction on its own connection.
        going_live = [
            asyncio.create_task(change(o, None, "live", 1, 3), context=contextvars.Context()) for o in others
        ]

        async def settled() -> str | None:
            if all(task.done() for task in going_live):
                return "went on"
            return "all waiting" if await lock_waiters() == len(others) else None

        # None went on with the spans as they were, about to change.
        assert await until(settled, what="the writers to wait or finish") == "all waiting"
    await asyncio.gather(*going_live)
    maintained = await summary_rows()
    assert ("", "", "2026-01-02", "9999-12-31") in [(r[1], r[2], str(r[3]), str(r[4])) for r in maintained]
    await summary.rebuild()
    assert await summary_rows() == maintained
