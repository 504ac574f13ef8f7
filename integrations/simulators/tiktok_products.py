"""A TikTok Shop product in the simulator: rendered as "Get Product" answers it, and the checks of
"Partial Edit Product", "Update Price" and "Update Inventory" (each answers a problem, or None).
"""

from __future__ import annotations

from integrations.adapters import tiktok as contract
from integrations.simulators.state import Item

STATUS = {"live": "ACTIVATE", "delisted": "SELLER_DEACTIVATED", "rejected": "FAILED"}


def product(item: Item) -> dict:
    status = "PLATFORM_DEACTIVATED" if item.moderated else STATUS[item.status]
    fields = item.fields
    sku = {
        "id": fields["sku_id"],
        "seller_sku": item.sku,
        "price": {"currency": "VND", "sale_price": str(fields["price"])},
        "inventory": [{"warehouse_id": fields["warehouse_id"], "quantity": fields["stock"]}],
    }
    reasons = [{"reasons": [item.reason]}] if item.moderated and item.reason else []
    return {
        "id": item.id,
        "status": status,
        "title": fields["name"],
        "description": fields["description"],
        "skus": [sku],
        "audit_failed_reasons": reasons,
    }


def partial(item: Item, body: dict) -> str | None:
    title = str(body.get("title", item.fields["name"]))
    if not title.strip() or len(title) > contract.NAME_MAX:
        return "Invalid title."
    item.fields["name"], item.fields["description"] = (
        title,
        str(body.get("description", item.fields["description"])),
    )
    return None


def sku_of(item: Item, body: dict) -> dict | None:
    skus = [s for s in body.get("skus") or [] if s.get("id") == item.fields["sku_id"]]
    return skus[0] if skus else None


def price(item: Item, body: dict) -> str | None:
    sku = sku_of(item, body)
    amount = str(((sku or {}).get("price") or {}).get("amount", ""))
    if sku is None or not amount.isdigit() or int(amount) < 1000:
        return "skus[].id must be the product's SKU and price.amount at least 1000 VND."
    item.fields["price"] = int(amount)
    return None


def inventory(item: Item, body: dict) -> str | None:
    sku = sku_of(item, body)
    rows = (sku or {}).get("inventory") or [{}]
    quantity = rows[0].get("quantity")
    if (
        sku is None
        or not isinstance(quantity, int)
        or quantity < 0
        or rows[0].get("warehouse_id") != item.fields["warehouse_id"]
    ):
        return "skus[].id, inventory[].warehouse_id and a quantity of 0 or more are required."
    item.fields["stock"] = quantity
    return None
