"""The Lazada simulator's product writes (CreateProduct, UpdateProduct, UpdatePriceQuantity,
DeactivateProduct, MigrateImage): each ``apply(params, seller) -> (status, body)`` as ``base.play_write``
plays it, in the payload shapes ``integrations.adapters.lazada`` documents, refusing with the codes
each API's reference page lists (E001 as "1", 201, 4105, 208, 207, E0002, E0004, 302)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from integrations.adapters import lazada as contract
from integrations.simulators.base import upsert, validate
from integrations.simulators.lazada_state import LazadaState, ok
from integrations.simulators.lazada_state import read_json as _json
from integrations.simulators.state import Item


def item_writes(state: LazadaState) -> dict[str, Callable[[dict, str], tuple[int, dict]]]:
    """API path -> its write."""

    def create(params: dict, seller: str):
        request = _json(params.get("payload", "")).get("Request") or {}
        product = request.get("Product") or {}
        attributes, skus = product.get("Attributes") or {}, (product.get("Skus") or {}).get("Sku") or [{}]
        sku = skus[0]
        if not sku.get("SellerSku"):
            return 200, {
                "type": "ISP",
                "code": "1",
                "message": "E001: Parameter SellerSku is mandatory",
                "request_id": state.request_id(),
            }
        if (seller, sku["SellerSku"]) in state.by_sku:
            return 200, {
                "type": "ISP",
                "code": "4105",  # BIZ_CHECK_SELLER_SKU_DUPLICATE
                "message": f"BIZ_CHECK_SELLER_SKU_DUPLICATE: SellerSku {sku['SellerSku']} repeat",
                "request_id": state.request_id(),
            }
        try:
            price, stock = int(float(sku.get("price"))), int(sku.get("quantity"))
        except (TypeError, ValueError):
            price, stock = -1, -1
        fields: dict[str, Any] = {
            "name": str(attributes.get("name", "")), "description": str(attributes.get("description", "")),
            "category": str(product.get("PrimaryCategory", "")), "unit": "", "price": price, "stock": stock,
            "images": list((product.get("Images") or {}).get("Image") or []),
        }  # fmt: skip
        if fields["category"] not in contract.CATEGORY.values():
            return 200, {
                "type": "ISP",
                "code": "201",
                "message": f"E201: {fields['category']} Invalid CategoryId",
                "request_id": state.request_id(),
            }
        problem = validate(fields, contract.NAME_MAX, contract.DESCRIPTION_MAX, contract.IMAGES_MAX)
        if not all("/lazada-sim/" in url for url in fields["images"]):
            problem = problem or ("Ảnh phải được tải lên Lazada trước.", "Only Lazada image URLs are allowed")
        if problem:
            return 200, {
                "type": "ISP",
                "code": "500",
                "message": problem[1],
                "request_id": state.request_id(),
            }
        item = upsert(state, seller, sku["SellerSku"], fields, 0, None)
        sku_list = [
            {
                "seller_sku": item.sku,
                "sku_id": int(item.id) * 10 + 1,
                "shop_sku": f"{item.id}_VN-{int(item.id) * 10 + 1}",
            }
        ]
        return ok(state, {"item_id": int(item.id), "sku_list": sku_list})

    def changed(item: Item) -> None:
        state.writes_applied += 1
        state.applied_at[item.sku] = state.now()

    def update(params: dict, seller: str):
        product = (_json(params.get("payload", "")).get("Request") or {}).get("Product") or {}
        item = state.own_item(seller, str(product.get("ItemId", "")))
        if item is None:
            return 200, {
                "type": "ISP",
                "code": "208",
                "message": "E208: Item not exist",
                "request_id": state.request_id(),
            }
        attributes = product.get("Attributes") or {}
        for ours, theirs in (("name", "name"), ("description", "description")):
            if theirs in attributes:
                item.fields[ours] = str(attributes[theirs])
        for sku in (product.get("Skus") or {}).get("Sku") or []:
            if str(sku.get("Status", "")).lower() == "active" and not item.moderated:
                item.status = "live"
        changed(item)
        return ok(state)

    def price_quantity(params: dict, seller: str):
        skus = (
            ((_json(params.get("payload", "")).get("Request") or {}).get("Product") or {}).get("Skus") or {}
        ).get("Sku") or []
        for sku in skus:
            item = state.own_item(seller, str(sku.get("ItemId", "")))
            if item is None or sku.get("SellerSku") != item.sku:
                return 200, {
                    "type": "ISP",
                    "code": "207",
                    "message": "E207: SKU not exist",
                    "request_id": state.request_id(),
                }
            item.fields["price"], item.fields["stock"] = int(float(sku["Price"])), int(sku["Quantity"])
            changed(item)
        return ok(state, {"warnings": []})

    def deactivate(params: dict, seller: str):
        product = (_json(params.get("apiRequestBody", "")).get("Request") or {}).get("Product") or {}
        item = state.own_item(seller, str(product.get("ItemId", "")))
        if item is None:
            return 200, {
                "type": "ISP",
                "code": "E0002",
                "message": "Product not exists",
                "request_id": state.request_id(),
            }
        if item.status != "live":
            return 200, {
                "type": "ISP",
                "code": "E0004",
                "message": "Product Status not online",
                "request_id": state.request_id(),
            }
        item.status = "delisted"
        changed(item)
        return ok(state)

    def migrate(params: dict, seller: str):
        url = str(
            ((_json(params.get("payload", "")).get("Request") or {}).get("Image") or {}).get("Url") or ""
        )
        if not url.startswith(("http://", "https://")):
            return 200, {
                "type": "ISP",
                "code": "302",
                "message": "E302: Not supported URL",
                "request_id": state.request_id(),
            }
        state.images += 1
        name = hmac.new(b"img", url.encode(), "sha256").hexdigest()[:32]
        return ok(
            state, {"image": {"url": f"{state.config.public_url}/lazada-sim/{name}.jpg", "hash_code": name}}
        )

    return {
        "/product/create": create,
        "/product/update": update,
        "/product/price_quantity/update": price_quantity,
        "/product/deactivate": deactivate,
        "/image/migrate": migrate,
    }
