"""Stock shares per listing, and order items taking the product's stock down everywhere, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, NotFound
from agrimarket.products.fields import MAX_STOCK, parse_int
from agrimarket.products.service import ensure_writable
from agrimarket.tables import Product
from integrations.listings import service as listings
from integrations.stock.shares import SHARE_MAX, SHARE_MIN
from integrations.tables import Listing, MarketplaceSale


def clean_share(values: dict[str, Any]) -> tuple[int, int]:
    """(share_percent, reserve_units) from what the farmer typed; a bad field is a field error."""
    share = parse_int(values.get("share_percent", SHARE_MAX))
    reserve = parse_int(values.get("reserve_units", 0) or 0)
    errors: dict[str, tuple[str, str]] = {}
    if share is None or not SHARE_MIN <= share <= SHARE_MAX:
        errors["share_percent"] = ("Tỷ lệ phải từ 0 đến 100 %.", "The share must be between 0 and 100 %.")
    if reserve is None or not 0 <= reserve <= MAX_STOCK:
        errors["reserve_units"] = (
            "Số giữ lại phải là số không âm.",
            "The reserve must be a whole number ≥ 0.",
        )
    if errors:
        raise Invalid.from_fields(errors)
    return share, reserve  # type: ignore[return-value]


async def _writable_listing(actor: Actor, listing_id: int) -> dict:
    listing = await Listing.select().where(Listing.id == listing_id).first()
    if listing is None or listing["product"] is None:
        raise NotFound("Không tìm thấy tin đăng.", "Listing not found.")
    await ensure_writable(actor, listing["product"])
    return listing


async def set_share(actor: Actor, listing_id: int, values: dict[str, Any]) -> int:
    """Change a listing's share; a live one is pushed again with its new stock. Answers the product id."""
    share, reserve = clean_share(values)
    listing = await _writable_listing(actor, listing_id)
    async with write_transaction():
        await Listing.update(
            {
                Listing.share_percent: share,
                Listing.reserve_units: reserve,
                Listing.updated_at: datetime.now(UTC),
            }
        ).where(Listing.id == listing_id)
        before = {"share_percent": listing["share_percent"], "reserve_units": listing["reserve_units"]}
        if changes := audit.diff(before, {"share_percent": share, "reserve_units": reserve}):
            await audit.record(actor, "listing", listing_id, "share", changes)
        if listing["wanted"] == "live":
            await listings.requeue(listing_id)
    return listing["product"]


async def take_stock(
    listing: dict, marketplace_code: str, order_ref: str, external_id: str, quantity: int
) -> bool:
    """A marketplace sold ``quantity`` of one of our listings (an order item): take it off the
    product's stock once. Call inside the order's write transaction.

    The same (marketplace, order, item) again changes nothing (unique key, ON CONFLICT DO NOTHING);
    the stock never goes below zero. Every listing of the product, the selling one included, is
    then queued with its new share. False when it was already taken off.
    """
    product_id = listing["product"]
    if product_id is None:
        return False
    now = datetime.now(UTC)
    sale = MarketplaceSale(
        marketplace=listing["marketplace"],
        listing=listing["id"],
        product=product_id,
        order_ref=order_ref,
        external_id=external_id,
        quantity=quantity,
        stock_after=0,
        at=now,
    )
    inserted = (
        await MarketplaceSale.insert(sale)
        .on_conflict(
            target=(MarketplaceSale.marketplace, MarketplaceSale.order_ref, MarketplaceSale.external_id),
            action="DO NOTHING",
        )
        .returning(MarketplaceSale.id)
    )
    if not inserted:
        return False  # reported before: already taken off
    # One statement, so a farmer's tap on "−" at the same moment is not lost.
    left = await Product.raw(
        "UPDATE product SET stock = CASE WHEN stock > {} THEN stock - {} ELSE 0 END WHERE id = {} RETURNING stock",
        quantity,
        quantity,
        product_id,
    )
    await Product.update({Product.updated_at: now}).where(Product.id == product_id)
    stock_after = left[0]["stock"] if left else 0
    await MarketplaceSale.update({MarketplaceSale.stock_after: stock_after}).where(
        MarketplaceSale.id == inserted[0]["id"]
    )
    sold = {
        "marketplace": marketplace_code,
        "order": order_ref,
        "quantity": quantity,
        "stock_after": stock_after,
    }
    await audit.record(None, "product", product_id, "sold", sold)  # reported by the marketplace
    await listings.product_changed(product_id)
    return True


async def give_back(
    marketplace_id: int, order_ref: str, marketplace_code: str, actor: Actor
) -> dict[int, int]:
    """Put back the stock an order's items took (its MarketplaceSale rows), as the farmer asked after
    a cancellation ("trả lại kho"); call inside the order's write transaction, once per order (the
    caller marks the order). Product id -> its stock afterwards; each listing is queued again."""
    sales = await MarketplaceSale.select().where(
        (MarketplaceSale.marketplace == marketplace_id)
        & (MarketplaceSale.order_ref == order_ref)
        & MarketplaceSale.product.is_not_null()
    )
    after: dict[int, int] = {}
    for sale in sales:
        left = await Product.raw(
            "UPDATE product SET stock = CASE WHEN stock + {} > {} THEN {} ELSE stock + {} END "
            "WHERE id = {} RETURNING stock",
            sale["quantity"],
            MAX_STOCK,
            MAX_STOCK,
            sale["quantity"],
            sale["product"],
        )
        if not left:
            continue  # the product is gone
        await Product.update({Product.updated_at: datetime.now(UTC)}).where(Product.id == sale["product"])
        after[sale["product"]] = left[0]["stock"]
        returned = {"marketplace": marketplace_code, "order": order_ref, "quantity": sale["quantity"]}
        await audit.record(
            actor, "product", sale["product"], "restocked", returned | {"stock_after": left[0]["stock"]}
        )
        await listings.product_changed(sale["product"])
    return after
