"""The Lazada simulator's store and answers: apps, codes and tokens; Lazada's success and error
shapes; an item as GetProductItem shows it."""

from __future__ import annotations

import itertools
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from litestar import Response

from integrations.adapters import lazada as contract
from integrations.simulators.credentials import lazada_demo_secret
from integrations.simulators.state import Item, SimConfig, SimState

STATUS = {"live": "Active", "delisted": "InActive", "rejected": "Suspended"}
FAULT_CODES = {429: ("ISV", "ApiCallLimit"), 503: ("SYSTEM", "ServiceUnavailable")}


@dataclass
class LazadaConfig(SimConfig):
    access_ttl_s: int = 7 * 86400  # an app in test: 7 days (30 online)
    refresh_ttl_s: int = 30 * 86400
    # Sellers who pick the carrier themselves (GetShipmentProvider's platform_default 0, NTFS).
    sellers_choosing_carrier: set[str] = field(default_factory=set)


class LazadaState(SimState):
    """Numeric item ids like Lazada's; apps, codes and tokens."""

    def __init__(self, config: LazadaConfig) -> None:
        super().__init__(contract.CODE, config)
        self.config: LazadaConfig = config
        self._item_ids = itertools.count(3_000_000_001 + len(self.items))
        self.tokens: dict[str, tuple[str, str, float]] = {}  # access token -> (app key, seller, until)
        self.refresh: dict[str, tuple[str, str, float]] = {}
        self.used_codes: set[str] = set()
        self.renewals = 0
        self.images = 0
        self.desk_applied: Counter[tuple[str, str]] = Counter()  # (order id, desk call) -> applied

    def next_id(self) -> str:
        return str(next(self._item_ids))

    def app_secret(self, app_key: str) -> str | None:
        for creds in self.config.shops.values():
            if creds.get("app_key") == app_key:
                return creds.get("app_secret")
        return lazada_demo_secret(app_key) if self.config.accept_demo_credentials else None

    def own_item(self, seller: str, item_id: str) -> Item | None:
        item = self.items.get(str(item_id))
        return item if item is not None and item.shop_id == seller else None

    def request_id(self) -> str:
        return secrets.token_hex(12)

    def api_order_id(self, order_id: str) -> str:
        return str(lazada_order_number(order_id))

    async def push(self, event: dict) -> None:
        """Lazada's push (seller notifications) has a shape of its own, not simulated: orders and
        item changes reach the seller by the pull (GetOrders, GetProductItem)."""


def lazada_order_number(order_id: str) -> int:
    """``LA-ORD-000012`` -> 400000000012: Lazada's order ids are numbers."""
    return 400_000_000_000 + int(order_id.rsplit("-", 1)[1])


def failure(state: LazadaState, code: str, message: str, kind: str = "ISV", status: int = 200) -> Response:
    body = {"type": kind, "code": code, "message": message, "request_id": state.request_id()}
    return Response(body, status_code=status)


def ok(state: LazadaState, data: Any = None, **extra: Any) -> tuple[int, dict]:
    return 200, {
        "code": "0",
        "data": data if data is not None else {},
        "request_id": state.request_id(),
    } | extra


def lazada_shape(state: LazadaState, response: Response) -> Response:
    """The shared faults (503, 429) in Lazada's error shape, their headers kept."""
    kind_code = FAULT_CODES.get(response.status_code or 200)
    if kind_code is None or not isinstance(response.content, dict) or "error" not in response.content:
        return response
    body = {"type": kind_code[0], "code": kind_code[1], "message": response.content["error"]["message"]}
    return Response(
        body | {"request_id": state.request_id()}, status_code=response.status_code, headers=response.headers
    )


def sku_of(item: Item) -> dict:
    return {
        "SellerSku": item.sku,
        "SkuId": int(item.id) * 10 + 1,
        "price": item.fields["price"],
        "quantity": item.fields["stock"],
        "Status": "active" if item.status == "live" else "inactive",
    }


def render(state: SimState, item: Item) -> dict:
    """GetProductItem's ``data``: the item as Lazada shows it."""
    return {
        "item_id": int(item.id),
        "status": STATUS[item.status],
        "primary_category": item.fields["category"],
        "attributes": {"name": item.fields["name"], "description": item.fields["description"],
                       "short_description": item.fields.get("short_description", ""), "brand": "No Brand"},
        "images": item.fields["images"],
        "skus": [sku_of(item)],
    }  # fmt: skip


def read_json(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
