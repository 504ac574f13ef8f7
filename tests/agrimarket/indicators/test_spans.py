"""Live spans follow the listing history: written with it by the sync's own paths, and always equal to it."""

from __future__ import annotations

from datetime import date, datetime
from importlib import import_module

import pytest

from agrimarket.indicators.queries import run
from agrimarket.tables import Commune
from integrations.adapters.base import RemoteListing
from integrations.listings.service import append_history, record, taken_down
from integrations.listings.spans import live_change, merged, rebuild_all_spans
from integrations.tables import Listing, ListingHistory, ListingSpan
from tests.agrimarket.indicators.helpers import CAT_HAI, history, household, listing, product, vn
from tests.agrimarket.indicators.test_worked_examples import total

MIGRATION = "integrations.piccolo_migrations.integrations_2026_11_23t14_24_20_000000"
# The migration that copies each span's product, commune and province in.
COPIED = "integrations.piccolo_migrations.integrations_2026_12_07t08_00_01_000000"


async def spans(listing_id: int) -> list[tuple[datetime, datetime | None]]:
    rows = await ListingSpan.select(ListingSpan.live_from, ListingSpan.live_until).where(
        ListingSpan.listing == listing_id
    )
    return sorted((r["live_from"], r["live_until"]) for r in rows)


async def spans_from_history(listing_id: int) -> list[tuple[datetime, datetime | None]]:
    """The definition, in Python: each live row until the next row (by time, then id)."""
    rows = await ListingHistory.select(ListingHistory.id, ListingHistory.to_state, ListingHistory.at).where(
        ListingHistory.listing == listing_id
    )
    ordered = sorted((r["at"], r["id"], r["to_state"]) for r in rows)
    found = []
    for i, (at, _, state) in enumerate(ordered):
        until = ordered[i + 1][0] if i + 1 < len(ordered) else None
        if state == "live" and (until is None or until > at):
            found.append((at, until))
    return found


async def test_publish_live_delisted_relisted_through_the_sync_paths():
    farm = await household()
    item = await listing(farm, product_id=await product(farm))
    row = await Listing.select().where(Listing.id == item).first()
    await append_history(row, None, "pending", 1)  # what publish() writes
    assert await spans(item) == []
    remote = RemoteListing("x-1", "https://postmart.example/x-1", "live")
    await record(item, 1, remote)
    first = await spans(item)
    assert len(first) == 1 and first[0][1] is None  # live, still open
    await taken_down(item, "Sàn đã gỡ sản phẩm.")
    closed = await spans(item)
    assert len(closed) == 1 and closed[0][1] is not None and closed[0][1] >= closed[0][0]
    await record(item, 2, remote)  # published again: relisted
    again = await spans(item)
    assert len(again) == 2 and again[0] == closed[0] and again[1][1] is None
    assert again == await spans_from_history(item)
    states = [r["to_state"] for r in await ListingHistory.select().order_by(ListingHistory.id)]
    assert states == ["pending", "live", "delisted", "live"]


async def test_spans_of_backdated_history_and_same_instant_rows():
    item = await listing(await household())
    await history(item, ("live", vn(2026, 1, 1)), ("delisted", vn(2026, 1, 10)), ("live", vn(2026, 1, 20)))
    assert await spans(item) == [
        (vn(2026, 1, 1), vn(2026, 1, 10)),
        (vn(2026, 1, 20), None),
    ]
    row = await Listing.select().where(Listing.id == item).first()
    # A change written later but dated earlier (the demo's back-history) splits the first span.
    await append_history(row, "live", "rejected", 0, at=vn(2026, 1, 5))
    # Live and taken down at one instant: never live (the later row wins).
    await append_history(row, "live", "live", 4, at=vn(2026, 2, 1))
    await append_history(row, "live", "delisted", 5, at=vn(2026, 2, 1))
    assert await spans(item) == [
        (vn(2026, 1, 1), vn(2026, 1, 5)),
        (vn(2026, 1, 20), vn(2026, 2, 1)),
    ]
    assert await spans(item) == await spans_from_history(item)
    assert [await total(date(2026, 1, d)) for d in (4, 5, 15, 25)] == [1, 0, 0, 1]
    assert await total(date(2026, 2, 1)) == 0


async def test_backfill_gives_the_spans_the_writer_keeps():
    farms = [await household() for _ in range(3)]
    for n, farm in enumerate(farms):
        item = await listing(farm, code="voso" if n % 2 else "postmart")
        await history(
            item, ("pending", vn(2026, 1, 1)), ("live", vn(2026, 1, 2 + n)), ("delisted", vn(2026, 3, 1))
        )
        await history(await listing(farm, code="lazada"), ("live", vn(2026, 2, 1)))
    columns = (
        ListingSpan.listing,
        ListingSpan.household,
        ListingSpan.marketplace,
        ListingSpan.live_from,
        ListingSpan.product,
        ListingSpan.commune,
        ListingSpan.province,
    )
    kept = sorted(
        map(tuple, (r.values() for r in await ListingSpan.select(*columns, ListingSpan.live_until)))
    )
    await rebuild_all_spans()
    rebuilt = sorted(
        map(tuple, (r.values() for r in await ListingSpan.select(*columns, ListingSpan.live_until)))
    )
    assert rebuilt == kept and len(kept) == 6
    # Each span carries its owner's area, as an officer's report reads it.
    province = (await Commune.select(Commune.province).where(Commune.code == CAT_HAI).first())["province"]
    assert {(r[5], r[6]) for r in kept} == {(CAT_HAI, province)}
    # The migrations' own copies of the backfill, over the same history.
    await run("DELETE FROM listing_span", {})
    await run(import_module(MIGRATION).BACKFILL, {})
    for update in import_module(COPIED).BACKFILL:
        await run(update, {})
    migrated = sorted(
        map(tuple, (r.values() for r in await ListingSpan.select(*columns, ListingSpan.live_until)))
    )
    assert migrated == kept


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        ([(1, 3)], [(1, 3)], "same"),
        ([], [], "same"),
        ([(1, 3)], [(1, None)], "gained"),  # live again after, up to now
        ([(1, 3)], [(0, 3), (5, 6)], "gained"),  # earlier, and another range
        ([], [(2, None)], "gained"),
        ([(1, None)], [(1, 4)], "changed"),  # ended
        ([(1, 5)], [(1, 2), (3, 5)], "changed"),  # a gap cut in
        ([(1, 3)], [], "changed"),
    ],
)
def test_what_a_rebuild_did_to_a_listings_live_time(before, after, change):
    as_rows = [{"live_from": s, "live_until": e} for s, e in reversed(before)]
    merged_after = merged([{"live_from": s, "live_until": e} for s, e in after])
    assert live_change(merged(as_rows), merged_after) == change


def test_touching_and_overlapping_ranges_merge():
    rows = [(5, 7), (1, 3), (3, 4), (6, None), (9, 10)]
    assert merged([{"live_from": s, "live_until": e} for s, e in rows]) == [(1, 4), (5, None)]
