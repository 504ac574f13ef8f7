"""Listings: publish a product on a marketplace, follow product changes, record sync results."""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket import events
from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import fetch_direct, write_transaction
from agrimarket.errors import Invalid, NotFound
from agrimarket.events import ListingStateChanged, MembershipEnded, ProductChanged
from agrimarket.products.service import ensure_writable
from agrimarket.tables import Household, Product
from integrations.adapters.base import RemoteListing
from integrations.adapters.registry import MARKETPLACES
from integrations.db import is_postgres
from integrations.listings.spans import rebuild_spans
from integrations.sync import outbox
from integrations.tables import Listing, ListingHistory, Marketplace, MarketplaceAccount


class AccountMissing(Invalid):
    """No seller account (own or the cooperative's) on the marketplace: the page links to connect one."""

    def __init__(self, marketplace_name: str) -> None:
        super().__init__(
            "marketplace",
            f"Hãy kết nối tài khoản {marketplace_name} trước (mục “Sàn bán hàng”).",
            f"Connect a {marketplace_name} seller account first (Marketplaces page).",
        )


async def ensure_marketplaces() -> None:
    """Seed the known marketplaces (idempotent; run at start-up by the app and the workers)."""
    for code, (name, rate) in MARKETPLACES.items():
        await Marketplace.insert(Marketplace(code=code, name=name, rate_limit_per_s=rate)).on_conflict(
            target=Marketplace.code, action="DO NOTHING"
        )


async def marketplace_by_code(code: str) -> dict:
    row = await Marketplace.select().where(Marketplace.code == code).first()
    if row is None or not row["enabled"]:
        raise Invalid("marketplace", "Sàn này chưa được hỗ trợ.", "Unknown marketplace.")
    return row


async def account_for_product(product: dict, marketplace_id: int) -> dict | None:
    """The owner's own account, else (for a member household) its cooperative's account."""
    owners: list = []
    if product["owner_household"]:
        owners.append(MarketplaceAccount.owner_household == product["owner_household"])
        coop = (
            await Household.select(Household.cooperative)
            .where(Household.id == product["owner_household"])
            .first()
        )
        if coop and coop["cooperative"]:
            owners.append(MarketplaceAccount.owner_cooperative == coop["cooperative"])
    else:
        owners.append(MarketplaceAccount.owner_cooperative == product["owner_cooperative"])
    for owner in owners:
        account = (
            await MarketplaceAccount.select()
            .where(owner & (MarketplaceAccount.marketplace == marketplace_id))
            .first()
        )
        if account:
            return account
    return None


_HISTORY_INSERT = (
    "INSERT INTO listing_history (listing, marketplace, household, cooperative, from_state, to_state, "
    "version, reason, at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})"
)
# What ``record`` compares an answer with. On PostgreSQL the row is locked for the transaction: two
# answers for one listing take turns, and the span rebuild needs that lock anyway.
_RECORD_READ = (
    "SELECT id, product, marketplace, household, cooperative, state, synced_version, external_id, "
    "external_url FROM listing WHERE id = {}"
)


async def append_history(
    listing: dict,
    from_state: str | None,
    to_state: str,
    version: int,
    reason: str = "",
    at: datetime | None = None,
    locked: bool = False,
) -> None:
    """The only writer of listing history; keeps the indicator's live spans in step and announces the
    change (``ListingStateChanged``), in one transaction.

    ``at`` backdates the change (demo back-history, tests); the sync always records now. ``locked``:
    the caller's transaction already holds the listing's row lock (see ``rebuild_spans``).
    """
    async with write_transaction():
        await fetch_direct(
            ListingHistory,
            _HISTORY_INSERT,
            listing["id"],
            listing["marketplace"],
            listing["household"],
            listing["cooperative"],
            from_state,
            to_state,
            version,
            reason[:400],
            at or datetime.now(UTC),
        )
        change = await rebuild_spans(listing["id"], locked=locked)
        await events.publish(
            ListingStateChanged(
                listing_id=listing["id"],
                product_id=listing.get("product"),  # the demo back-history passes no product
                marketplace_id=listing["marketplace"],
                household_id=listing["household"],
                cooperative_id=listing["cooperative"],
                from_state=from_state,
                to_state=to_state,
                reason=reason[:400],
                live_change=change,
            )
        )


async def _bump(listing_id: int, wanted: str) -> dict:
    """New version of the listing (its job coalesces to it); call inside a write transaction."""
    await Listing.update(
        {Listing.version: Listing.version + 1, Listing.wanted: wanted, Listing.updated_at: datetime.now(UTC)}
    ).where(Listing.id == listing_id)
    listing = await Listing.select().where(Listing.id == listing_id).first()
    assert listing is not None
    await outbox.enqueue(listing["id"], listing["marketplace"], listing["version"])
    return listing


async def requeue(listing_id: int) -> None:
    """Push the listing's current data again (its stock share changed); inside a write transaction."""
    listing = await Listing.select(Listing.wanted).where(Listing.id == listing_id).first()
    if listing is not None:
        await _bump(listing_id, listing["wanted"])


async def publish(actor: Actor, product_id: int, marketplace_code: str) -> int:
    """The farmer's tap on "Đăng bán": a pending listing and its job, in one transaction."""
    await ensure_writable(actor, product_id)
    marketplace = await marketplace_by_code(marketplace_code)
    product = await Product.select().where(Product.id == product_id).first()
    if product is None:
        raise NotFound("Không tìm thấy sản phẩm.", "Product not found.")
    if product["status"] != "active":
        raise Invalid("status", "Chỉ đăng bán được sản phẩm đang bán.", "Only active products can be listed.")
    account = await account_for_product(product, marketplace["id"])
    if account is None:
        raise AccountMissing(marketplace["name"])
    now = datetime.now(UTC)
    async with write_transaction():
        # An upsert: a double tap (two requests at once) meets on the unique (product, marketplace)
        # index, and the second one waits for the first's commit, then takes its listing.
        inserted = await (
            Listing.insert(
                Listing(
                    product=product_id,
                    marketplace=marketplace["id"],
                    account=account["id"],
                    household=product["owner_household"],
                    cooperative=product["owner_cooperative"],
                    state="pending",
                    wanted="live",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            .on_conflict(target=(Listing.product, Listing.marketplace), action="DO NOTHING")
            .returning(Listing.id)
        )
        if inserted:
            listing_id = inserted[0]["id"]
            row = await Listing.select().where(Listing.id == listing_id).first()
            assert row is not None
            await append_history(row, None, "pending", 1)
            await outbox.enqueue(listing_id, marketplace["id"], 1)
            await audit.record(actor, "listing", listing_id, "publish", {"marketplace": marketplace_code})
            return listing_id
        existing = (
            await Listing.select()
            .where((Listing.product == product_id) & (Listing.marketplace == marketplace["id"]))
            .first()
        )
        assert existing is not None
        # Withdrawn, refused or no longer live on the marketplace: the farmer lists it again.
        if existing["wanted"] != "live" or existing["state"] in ("rejected", "delisted"):
            await Listing.update({Listing.account: account["id"]}).where(Listing.id == existing["id"])
            await _bump(existing["id"], "live")
            await audit.record(actor, "listing", existing["id"], "publish", {"marketplace": marketplace_code})
        return existing["id"]


async def on_product_changed(event: ProductChanged) -> None:
    """Subscriber: a product write (in its transaction) queues its listings' push, or their delist."""
    await product_changed(event.product_id, event.deleted)


async def on_membership_ended(event: MembershipEnded) -> int:
    """Subscriber: see ``membership_ended``; answers how many listings are being taken down."""
    return await membership_ended(event.household_id, event.cooperative_id)


async def product_changed(product_id: int, deleted: bool = False) -> None:
    """Push the product's change to its listings, or delist them; call inside the write's transaction."""
    product = (
        None if deleted else await Product.select(Product.status).where(Product.id == product_id).first()
    )
    wanted = "live" if product and product["status"] == "active" else "delisted"
    for listing in await Listing.select(Listing.id, Listing.wanted).where(Listing.product == product_id):
        # A listing taken down stays down until the farmer publishes it again.
        if listing["wanted"] == "live":
            await _bump(listing["id"], wanted)


async def membership_ended(household_id: int, cooperative_id: int) -> int:
    """A membership ended (call inside its transaction): the household's listings on the
    cooperative's shop accounts are delisted through the outbox; its own accounts' stay."""
    listings = await Listing.select(Listing.id).where(
        (Listing.household == household_id)
        & (Listing.account.owner_cooperative == cooperative_id)
        & (Listing.wanted == "live")
    )
    for listing in listings:
        await _bump(listing["id"], "delisted")
        await audit.record(
            None, "listing", listing["id"], "membership_ended", {"cooperative": cooperative_id}
        )
    return len(listings)


async def retry_listing(actor: Actor, listing_id: int) -> None:
    listing = await Listing.select(Listing.id, Listing.product).where(Listing.id == listing_id).first()
    if listing is None or listing["product"] is None:
        raise NotFound("Không tìm thấy tin đăng.", "Listing not found.")
    await ensure_writable(actor, listing["product"])
    async with write_transaction():
        await _bump(listing_id, "live")
        await audit.record(actor, "listing", listing_id, "retry")


async def record(
    listing_id: int,
    sent_version: int,
    remote: RemoteListing | None,
    reason_vi: str = "",
    reason_en: str = "",
    state: str | None = None,
) -> None:
    """Store a sync (or reconciliation) result and append a history row when the state changes.

    Raw SQL: at R = 200 the ORM's query building was half of this function's CPU."""
    async with write_transaction():
        read = _RECORD_READ + (" FOR UPDATE" if is_postgres() else "")
        rows = await fetch_direct(Listing, read, listing_id)
        if not rows or sent_version < rows[0]["synced_version"]:
            return  # a late answer for an older version: a newer one is already recorded
        listing = dict(rows[0])
        new_state = state or (remote.state if remote else listing["state"])
        # The marketplace answered: whatever made the listing need a check is over.
        sets = ["synced_version = {}", "updated_at = {}", "needs_check = {}", "check_reason = ''"]
        values: list = [sent_version, datetime.now(UTC), False]
        if remote is not None:
            sets += ["external_id = {}", "external_url = {}"]
            values += [
                remote.external_id or listing["external_id"],
                remote.external_url or listing["external_url"],
            ]
            reason_vi, reason_en = reason_vi or remote.reason_vi, reason_en or remote.reason_en
        if new_state != listing["state"]:
            shown = new_state in ("rejected", "delisted")
            sets += ["state = {}", "reason_vi = {}", "reason_en = {}"]
            values += [new_state, reason_vi if shown else "", reason_en if shown else ""]
            # Locked by the read above (PostgreSQL; SQLite's writers hold the whole database).
            await append_history(listing, listing["state"], new_state, sent_version, reason_vi, locked=True)
            change = {"state": {"from": listing["state"], "to": new_state}, "reason": reason_vi}
            await audit.record(None, "listing", listing_id, "state", change)  # the marketplace's answer
        update = f"UPDATE listing SET {', '.join(sets)} WHERE id = {{}}"  # noqa: S608 - fixed column names
        await fetch_direct(Listing, update, *values, listing_id)


async def taken_down(listing_id: int, reason: str) -> None:
    """The marketplace removed the listing (webhook or pull): delisted, and we stop pushing it."""
    async with write_transaction():
        listing = await Listing.select().where(Listing.id == listing_id).first()
        if listing is None or listing["state"] == "delisted":
            return
        await Listing.update(
            {
                Listing.state: "delisted",
                Listing.wanted: "delisted",
                Listing.reason_vi: reason,
                Listing.reason_en: reason,
                Listing.updated_at: datetime.now(UTC),
            }
        ).where(Listing.id == listing_id)
        await append_history(listing, listing["state"], "delisted", listing["version"], reason)
        change = {"state": {"from": listing["state"], "to": "delisted"}, "reason": reason}
        await audit.record(None, "listing", listing_id, "state", change)  # taken down by the marketplace


async def needs_check(listing_id: int, error: str) -> None:
    """Its sync job gave up: "cần kiểm tra" with the last error, on the farmer's listing card (and
    the job on the admin's page) until a push succeeds; reconciliation reads the truth meanwhile."""
    await Listing.update(
        {Listing.needs_check: True, Listing.check_reason: error[:400], Listing.updated_at: datetime.now(UTC)}
    ).where(Listing.id == listing_id)


async def reconciled(listing_id: int, seen_version: int, remote: RemoteListing) -> bool:
    """What reconciliation read (for ``seen_version``) written into our state; True if it changed.

    Nothing is written when the listing changed since (a newer version is on its way, and the
    marketplace's state was not compared against it).
    """
    async with write_transaction():
        listing = await Listing.select().where(Listing.id == listing_id).first()
        if listing is None or listing["version"] != seen_version:
            return False
        if remote.taken_down:  # the marketplace says it removed the item (moderation)
            if listing["state"] == "delisted" and listing["wanted"] == "delisted":
                return False
            await taken_down(listing_id, remote.reason_vi or "Sàn đã gỡ sản phẩm.")
            return True
        if listing["external_id"] is None:
            await Listing.update(
                {Listing.external_id: remote.external_id, Listing.external_url: remote.external_url}
            ).where(Listing.id == listing_id)
        if remote.state == "live" and listing["wanted"] == "delisted":
            # Withdrawn, yet on sale: a create that landed after our delist. Delist it again.
            await _bump(listing_id, "delisted")
            return True
        if remote.state == listing["state"]:
            return False
        reason = remote.reason_vi if remote.state in ("rejected", "delisted") else ""
        await Listing.update(
            {
                Listing.state: remote.state,
                Listing.reason_vi: reason,
                Listing.reason_en: remote.reason_en if reason else "",
                Listing.updated_at: datetime.now(UTC),
            }
        ).where(Listing.id == listing_id)
        await append_history(listing, listing["state"], remote.state, listing["synced_version"], reason)
        change = {
            "state": {"from": listing["state"], "to": remote.state},
            "reason": reason,
            "by": "reconcile",
        }
        await audit.record(None, "listing", listing_id, "state", change)
        return True
