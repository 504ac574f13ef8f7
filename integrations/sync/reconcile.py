"""Reconciliation: what each listing is on its marketplace, read back into our state.

It never overrides a change newer than the one it compared against: listings whose job is queued
or running are left to that job (its answer is recorded when it comes), and a listing changed
between the read and the write is left alone (``listings.reconciled``). A takedown is declared only
when the marketplace says so (``RemoteListing.taken_down``), never inferred from a delisted state,
which may be our own delist.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from integrations.adapters.base import CredentialsError, Rejected, RemoteListing, Retryable
from integrations.listings import service as listings
from integrations.tables import Listing, MarketplaceAccount, SyncJob

# A create whose answer was lost lands within this, if at all: withdrawn listings without a remote
# id are looked up by sku for that long (an item found live there is delisted again).
LATE_CREATE_S = 86400.0


async def candidates() -> list[dict]:
    """Live listings, listings whose job gave up, and recent withdrawals with no remote id; none
    whose job is queued or running."""
    recent = datetime.now(UTC) - timedelta(seconds=LATE_CREATE_S)
    rows = await Listing.select().where(
        Listing.account.is_not_null()
        & (
            (Listing.external_id.is_not_null() & (Listing.state == "live"))
            | (Listing.needs_check == True)  # noqa: E712 - a Piccolo column comparison
            | (Listing.external_id.is_null() & (Listing.wanted == "delisted") & (Listing.updated_at > recent))
        )
    )
    busy = {
        r["listing"]
        for r in await SyncJob.select(SyncJob.listing).where(SyncJob.status.is_in(["queued", "running"]))
    }
    return [r for r in rows if r["id"] not in busy]


async def read_remote(worker, listing: dict) -> RemoteListing | None:
    """The item as the marketplace has it, by its id or (none known) by our sku; None if not there."""
    row = await MarketplaceAccount.select().where(MarketplaceAccount.id == listing["account"]).first()
    if row is None or row["needs_attention"]:
        raise CredentialsError("the seller account needs attention")
    account = worker.account(row)
    adapter = worker.adapters.get(await worker.code(listing["marketplace"]))
    try:
        if listing["external_id"]:
            return await adapter.fetch_status(account, listing["external_id"])
        return await adapter.find_by_sku(account, f"agm-{listing['id']}")
    except Rejected:
        return None  # the marketplace has no such item


async def reconcile(worker, stop: asyncio.Event | None = None) -> int:
    """One pass; the number of listings whose state (or wanted state) changed."""
    changed = 0
    for listing in await candidates():
        if stop is not None and stop.is_set():  # a pass over every live listing takes a while
            break
        try:
            remote = await read_remote(worker, listing)
        except (Retryable, CredentialsError):
            continue  # tried again at the next pass
        if remote is not None and await listings.reconciled(listing["id"], listing["version"], remote):
            changed += 1
    return changed
