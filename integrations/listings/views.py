"""Read side: listings of products (API and the card fragment) and sync jobs for the admin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import NotFound
from agrimarket.products.access import visible_products
from agrimarket.tables import Product
from integrations.listings.accounts import cooperative_accounts, enabled_marketplaces, list_accounts
from integrations.listings.schemas import ListingRead, SyncJobRead
from integrations.stock.shares import pushed_stock
from integrations.sync.admin import require_admin
from integrations.tables import Listing, SyncJob


async def listings_of(product_ids: list[int]) -> dict[int, list[ListingRead]]:
    out: dict[int, list[ListingRead]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return out
    # Written out: it is on every product card, and Piccolo building the join cost more than running it.
    marks = ", ".join(["{}"] * len(product_ids))  # placeholders only; the ids go as parameters
    rows = await Listing.raw(
        "SELECT l.id, l.product, l.state, l.external_url, l.reason_vi, l.reason_en, l.version, "  # noqa: S608
        "l.synced_version, l.share_percent, l.reserve_units, l.needs_check, l.check_reason, "
        "p.stock AS stock, m.code AS code, "
        "m.name AS mname FROM listing l JOIN marketplace m ON m.id = l.marketplace "
        f"JOIN product p ON p.id = l.product WHERE l.product IN ({marks}) ORDER BY l.id",
        *product_ids,
    )
    for r in rows:
        out[r["product"]].append(listing_read(r))
    return out


def listings_in(rows: Sequence[Mapping[str, Any]]) -> list[ListingRead]:
    """The listings of rows that carry them as ``listing_…`` columns (the public product page's
    rows: the product's own first, then one per photo and one per listing), in their order."""
    product = {"product": rows[0]["id"], "stock": rows[0]["stock"]} if rows else {}
    return [
        listing_read(
            {key.removeprefix("listing_"): value for key, value in row.items() if key.startswith("listing_")}
            | product
        )
        for row in rows
        if row["listing_id"] is not None
    ]


def listing_read(r: Mapping[str, Any]) -> ListingRead:
    return ListingRead(
        id=r["id"],
        product_id=r["product"],
        marketplace=r["code"],
        marketplace_name=r["mname"],
        state=r["state"],
        external_url=r["external_url"],
        reason_vi=r["reason_vi"],
        reason_en=r["reason_en"],
        version=r["version"],
        synced_version=r["synced_version"],
        syncing=r["synced_version"] < r["version"],
        share_percent=r["share_percent"],
        reserve_units=r["reserve_units"],
        pushed_stock=pushed_stock(r["stock"], r["share_percent"], r["reserve_units"]),
        # The public page's rows do not carry it: buyers are not told.
        needs_check=bool(r.get("needs_check")),
        check_reason=r.get("check_reason") or "",
    )


async def live_links(product_id: int) -> list[dict]:
    """Where to buy the product: its live listings as [{name, url}] (a query port of the core)."""
    rows = (
        await Listing.select(Listing.marketplace.name.as_alias("name"), Listing.external_url.as_alias("url"))
        .where(
            (Listing.product == product_id) & (Listing.state == "live") & Listing.external_url.is_not_null()
        )
        .order_by(Listing.marketplace)
    )
    return [{"name": r["name"], "url": r["url"]} for r in rows]


async def product_listings(actor: Actor, product_id: int) -> list[ListingRead]:
    if not await Product.exists().where(visible_products(actor)).where(Product.id == product_id):
        raise NotFound("Không tìm thấy sản phẩm.", "Product not found.")
    return (await listings_of([product_id]))[product_id]


async def card_context(actor: Actor, product_ids: list[int]) -> dict:
    """What the product cards need: listings per product and the marketplaces the actor can use.

    ``unconnected`` names the marketplaces a seller has no account on yet, so the card can point
    to the accounts page instead of leaving the farmer without a "sell on" button and no reason.
    """
    accounts = {a["marketplace"] for a in await list_accounts(actor)}
    accounts |= set(await cooperative_accounts(actor))
    markets = await enabled_marketplaces()
    sellers = actor.role == Role.HOUSEHOLD or (actor.role == Role.COOP_MANAGER and actor.cooperative_id)
    return {
        "listings": await listings_of(product_ids),
        "marketplaces": [m for m in markets if m["code"] in accounts],
        "unconnected": [m for m in markets if m["code"] not in accounts] if sellers else [],
    }


async def sync_jobs(actor: Actor, status: str | None) -> list[SyncJobRead]:
    require_admin(actor)
    query = SyncJob.select(*SyncJob.all_columns(), SyncJob.marketplace.code.as_alias("code")).order_by(
        SyncJob.id
    )
    if status:
        query = query.where(SyncJob.status == status)
    return [
        SyncJobRead(
            r["id"], r["listing"], r["code"], r["status"], r["version"], r["attempts"], r["last_error"]
        )
        for r in await query
    ]
