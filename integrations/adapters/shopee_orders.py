"""Shopee orders (Open Platform v2, as published): list the orders changed in a time range, then
read their details.

- ``GET /api/v2/order/get_order_list?time_range_field=update_time&time_from&time_to&page_size
  &cursor`` — at most 15 days per call; answers ``response.order_list: [{"order_sn"}]``, ``more``
  and ``next_cursor``.
- ``GET /api/v2/order/get_order_detail?order_sn_list=a,b&response_optional_fields=item_list,
  total_amount,recipient_address,package_list`` — up to 50 orders: ``order_status``, ``create_time``, ``update_time`` (unix
  seconds), ``total_amount``, ``item_list: [{"item_id", "model_quantity_purchased",
  "model_discounted_price"}]``; always ``ship_by_date`` (unix seconds: ship by then or Shopee
  cancels the order; ``create_time`` + ``days_to_ship`` days), ``days_to_ship`` and ``cod`` (true:
  cash on delivery); with ``recipient_address`` asked for, its ``town`` (the commune, xã/phường) is
  all we read of it (no name, phone or street); with ``package_list`` asked for, each package's
  ``logistics_status`` (LOGISTICS_DELIVERY_FAILED: the carrier could not deliver) and
  ``shipping_carrier``.

``order_status`` as the "Data Definition" guide defines it, and the desk stage we read into it
(``integrations.adapters.desk``): UNPAID (not paid yet), READY_TO_SHIP (the seller can arrange
shipment), PROCESSED (arranged, tracking number given), RETRY_SHIP ("3PL pickup parcel fail. Need to
re arrange shipment": the seller arranges again, so it is to_ship, not to_pickup), SHIPPED (dropped
or picked up), TO_CONFIRM_RECEIVE ("the order has been received by buyer": delivered, payout
pending), COMPLETED, IN_CANCEL (the buyer asked to cancel: the seller accepts or rejects, the order
is still placed), CANCELLED, TO_RETURN.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.adapters.desk import STAGE_STATUS

LIST, DETAIL = "/api/v2/order/get_order_list", "/api/v2/order/get_order_detail"
RANGE_MAX_S = 15 * 86400
DETAIL_MAX = 50
# Shopee's order_status -> the desk stage (and through desk.STAGE_STATUS, our status).
ORDER_STAGE = {
    "UNPAID": "unpaid", "READY_TO_SHIP": "to_ship", "RETRY_SHIP": "to_ship", "PROCESSED": "to_pickup",
    "SHIPPED": "in_transit", "TO_CONFIRM_RECEIVE": "delivered", "COMPLETED": "delivered",
    "IN_CANCEL": "cancel_requested", "CANCELLED": "cancelled", "TO_RETURN": "returned",
}  # fmt: skip
ORDER_STATUS = {wire: STAGE_STATUS[stage] for wire, stage in ORDER_STAGE.items()}
# The desk stage -> the order_status the simulator shows (a failed delivery attempt is SHIPPED with
# the package's logistics_status LOGISTICS_DELIVERY_FAILED).
STAGE_WIRE = {
    "unpaid": "UNPAID", "to_confirm": "READY_TO_SHIP", "to_ship": "READY_TO_SHIP",
    "cancel_requested": "IN_CANCEL", "to_pickup": "PROCESSED", "in_transit": "SHIPPED",
    "delivery_failed": "SHIPPED", "delivered": "COMPLETED", "cancelled": "CANCELLED",
    "returned": "TO_RETURN",
}  # fmt: skip
DELIVERY_FAILED = "LOGISTICS_DELIVERY_FAILED"
DETAIL_FIELDS = "item_list,total_amount,recipient_address,package_list"

ShopCall = Callable[..., Awaitable[dict]]


def stage_of(body: dict) -> str:
    stage = ORDER_STAGE.get(str(body.get("order_status")), "to_ship")
    packages = body.get("package_list") or []
    if stage == "in_transit" and any(p.get("logistics_status") == DELIVERY_FAILED for p in packages):
        return "delivery_failed"
    return stage


def order_from_wire(body: dict, tracking_number: str = "") -> RemoteOrder:
    """An order of get_order_detail; the tracking number, which it does not carry, when read apart."""
    ship_by = int(body.get("ship_by_date") or 0)  # 0: not yet known (an unpaid order)
    stage = stage_of(body)
    return RemoteOrder(
        stage=stage,
        tracking_number=tracking_number,
        act_by=float(ship_by) if ship_by > 0 else None,
        payment=None if "cod" not in body else ("cod" if body["cod"] else "prepaid"),
        commune=str((body.get("recipient_address") or {}).get("town") or "")[:100],
        order_id=str(body["order_sn"]),
        status=STAGE_STATUS[stage],
        placed_at=float(body["create_time"]),
        updated_at=float(body.get("update_time") or body["create_time"]),
        amount_vnd=int(body.get("total_amount") or 0),
        items=[
            RemoteOrderItem(
                str(line["item_id"]),
                int(line["model_quantity_purchased"]),
                int(line.get("model_discounted_price") or 0),
            )
            for line in body.get("item_list") or []
        ],
    )


async def fetch_orders(shop: ShopCall, since: float) -> list[RemoteOrder]:
    """Every order changed since ``since`` (older than 15 days is beyond what one call may ask)."""
    now = int(time.time())
    time_from = max(int(since), now - RANGE_MAX_S + 60)
    numbers: list[str] = []
    cursor = ""
    while True:
        params = {
            "time_range_field": "update_time",
            "time_from": time_from,
            "time_to": now,
            "page_size": 100,
            "cursor": cursor,
        }
        page = (await shop("GET", LIST, params=params)).get("response") or {}
        numbers += [str(o["order_sn"]) for o in page.get("order_list") or []]
        cursor = str(page.get("next_cursor") or "")
        if not page.get("more") or not cursor:
            break
    found = []
    for start in range(0, len(numbers), DETAIL_MAX):
        params = {
            "order_sn_list": ",".join(numbers[start : start + DETAIL_MAX]),
            "response_optional_fields": DETAIL_FIELDS,
        }
        detail = (await shop("GET", DETAIL, params=params)).get("response") or {}
        found += [order_from_wire(o) for o in detail.get("order_list") or []]
    return found
