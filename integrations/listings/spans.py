"""Live spans: the indicator's read model of the listing state history (table ``listing_span``).

A listing is live at a cutoff when the last history row before it (ties broken by id) is ``live``.
Each such row opens a span that the listing's next row closes, so "live at cutoff C" becomes
``live_from < C <= live_until`` (``live_until`` NULL while still live): one indexed range test
instead of finding each listing's last row. The history stays the only truth: ``append_history``
rebuilds the listing's spans from all of its rows in the same transaction, which keeps them equal
even for rows written out of time order (the demo back-history) or several at one instant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from agrimarket.db import fetch_direct
from agrimarket.events import LiveChange
from integrations.tables import ListingSpan

# The backfill migration (integrations, "listing live spans: indexes, backfill") has a frozen copy.
SPANS_FROM_HISTORY = """
INSERT INTO listing_span
  (listing, marketplace, household, cooperative, live_from, live_until, product, commune, province)
SELECT h.listing, h.marketplace, h.household, h.cooperative, h.at, h.next_at, li.product, c.code, c.province
FROM (
  SELECT listing, marketplace, household, cooperative, to_state, at,
         LEAD(at) OVER (PARTITION BY listing ORDER BY at, id) AS next_at
  FROM listing_history {where}
) h
JOIN listing li ON li.id = h.listing
LEFT JOIN household hh ON hh.id = h.household
LEFT JOIN cooperative co ON co.id = h.cooperative
LEFT JOIN commune c ON c.code = COALESCE(hh.commune, co.commune)
WHERE h.to_state = 'live' AND (h.next_at IS NULL OR h.next_at > h.at)"""  # closed at its own instant: never live


async def rebuild_spans(listing_id: int, locked: bool = False) -> LiveChange:
    """Replace one listing's spans by those its history gives; call inside the history write's
    transaction (``locked``: it already holds the listing's row lock). Returns what the rebuild did
    to the listing's live time."""
    if isinstance(ListingSpan._meta.db, PostgresEngine) and not locked:
        # Two writers of one listing's history take turns, so the second rebuild sees both rows.
        await fetch_direct(ListingSpan, "SELECT id FROM listing WHERE id = {} FOR UPDATE", listing_id)
    before = await fetch_direct(
        ListingSpan, "DELETE FROM listing_span WHERE listing = {} RETURNING live_from, live_until", listing_id
    )
    after = await fetch_direct(
        ListingSpan,
        SPANS_FROM_HISTORY.replace("{where}", "WHERE listing = {}") + " RETURNING live_from, live_until",
        listing_id,
    )
    return live_change(merged(before), merged(after))


Times = list[tuple[object, object | None]]  # [live_from, live_until) ranges; None: still live


def merged(rows: Sequence[Mapping[str, Any]]) -> Times:
    """The rows' ranges in time order, touching or overlapping ones joined."""
    joined: Times = []
    for start, end in sorted(
        ((r["live_from"], r["live_until"]) for r in rows), key=lambda r: (r[0], r[1] is None, r[1])
    ):
        if joined and (joined[-1][1] is None or start <= joined[-1][1]):
            last_end = joined[-1][1]
            joined[-1] = (joined[-1][0], None if None in (last_end, end) else max(last_end, end))
        else:
            joined.append((start, end))
    return joined


def live_change(before: Times, after: Times) -> LiveChange:
    """What a rebuild did to the live time: "same", "gained" (each range before lies within one
    after) or "changed"."""
    if before == after:
        return "same"
    within = all(
        any(s <= start and (e is None or (end is not None and end <= e)) for s, e in after)  # type: ignore[operator]
        for start, end in before
    )
    return "gained" if within else "changed"


async def rebuild_all_spans() -> None:
    """Every listing's spans from the whole history (backfill, bench data, repair)."""
    await ListingSpan.raw("DELETE FROM listing_span")
    await ListingSpan.raw(SPANS_FROM_HISTORY.replace("{where}", ""))
