"""Webhook events about orders, turned into the adapters' RemoteOrder.

Two shapes arrive at ``/api/v1/webhooks/{code}``: ``type: order`` (an order or its new status) and
the older ``type: sale`` (one item sold, no price): a sale is taken as a one-item order placed at
the product's current price, so every sale is an order and counts once with it.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

import msgspec

from agrimarket.errors import Invalid
from agrimarket.tables import Product
from agrimarket.web.input import CleanText
from integrations.adapters.base import ORDER_STATUSES, RemoteOrder, RemoteOrderItem
from integrations.adapters.desk import DESK_STAGES
from integrations.adapters.registry import DEADLINE_RULES
from integrations.tables import Listing

Positive = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Money = Annotated[int, msgspec.Meta(ge=0, le=10**13)]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
# Epoch seconds up to the end of year 9999: beyond it (or NaN, infinity) no datetime can hold it.
Epoch = Annotated[float, msgspec.Meta(ge=0, le=253_402_300_799)]


class ItemEvent(CleanText):
    external_id: Ref
    quantity: Positive
    price_vnd: Money = 0


class OrderEvent(CleanText):
    order_id: Ref
    status: str
    items: Annotated[list[ItemEvent], msgspec.Meta(min_length=1, max_length=200)]
    placed_at: Epoch
    at: Epoch | None = None
    amount_vnd: Money | None = None
    act_by: Epoch | None = None  # the marketplace's own deadline, when it sends one (Shopee)
    payment: Literal["cod", "prepaid"] | None = None
    commune: Annotated[str, msgspec.Meta(max_length=100)] = ""
    stage: str = ""  # one of desk.DESK_STAGES, when the marketplace says
    tracking_number: Annotated[str, msgspec.Meta(max_length=60)] = ""


class SaleEvent(CleanText):
    order_id: Ref
    external_id: Ref
    quantity: Positive
    at: Epoch | None = None


def bad_order(detail: str = "") -> Invalid:
    return Invalid(
        "order_id",
        "Sự kiện đơn hàng không hợp lệ (mã đơn, trạng thái, sản phẩm hoặc số lượng).",
        f"The order event is malformed (order id, status, items or quantities). {detail}".strip(),
    )


def _convert(event: dict, shape: type):
    try:
        return msgspec.convert(event, shape)
    except msgspec.ValidationError as exc:
        raise bad_order(str(exc)) from exc


def order_from_event(event: dict, marketplace_code: str = "") -> RemoteOrder:
    """A ``type: order`` event as a RemoteOrder; a malformed one is the sender's error (422). Its
    deadline: the one sent, else the marketplace's rule (DEADLINE_RULES), else none."""
    parsed: OrderEvent = _convert(event, OrderEvent)
    if parsed.status not in ORDER_STATUSES:
        raise bad_order(f"Unknown status {parsed.status!r}.")
    if parsed.stage and parsed.stage not in DESK_STAGES:
        raise bad_order(f"Unknown stage {parsed.stage!r}.")
    items = [RemoteOrderItem(i.external_id, i.quantity, i.price_vnd) for i in parsed.items]
    amount = parsed.amount_vnd
    if amount is None:
        amount = sum(i.quantity * i.price_vnd for i in items)
    act_by = parsed.act_by
    if act_by is None and marketplace_code in DEADLINE_RULES:
        act_by = DEADLINE_RULES[marketplace_code](parsed.placed_at)
    return RemoteOrder(
        parsed.order_id,
        parsed.status,
        parsed.placed_at,
        parsed.at or parsed.placed_at,
        amount,
        items,
        act_by=act_by,
        payment=parsed.payment,
        commune=parsed.commune,
        stage=parsed.stage,
        tracking_number=parsed.tracking_number,
    )


async def order_from_sale(marketplace_code: str, event: dict) -> RemoteOrder:
    """A ``type: sale`` event as a one-item placed order, priced at the product's current price."""
    sale: SaleEvent = _convert(event, SaleEvent)
    price = await (
        Product.select(Product.price_vnd)
        .where(
            Product.id.is_in(
                Listing.select(Listing.product).where(
                    (Listing.external_id == sale.external_id) & (Listing.marketplace.code == marketplace_code)
                )
            )
        )
        .first()
    )
    unit = price["price_vnd"] if price else 0
    at = sale.at or time.time()
    item = RemoteOrderItem(sale.external_id, sale.quantity, unit)
    rule = DEADLINE_RULES.get(marketplace_code)
    return RemoteOrder(
        sale.order_id, "placed", at, at, unit * sale.quantity, [item], act_by=rule(at) if rule else None
    )


async def from_event(marketplace_code: str, event: dict) -> RemoteOrder:
    if event.get("type") == "sale":
        return await order_from_sale(marketplace_code, event)
    return order_from_event(event, marketplace_code)
