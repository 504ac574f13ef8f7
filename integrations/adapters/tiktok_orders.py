"""TikTok Shop orders (Partner API 202309, "Order API" → "Get Order List"): the orders changed since
our last pull, read into our terms.

- ``POST /order/202309/orders/search?page_size&page_token&sort_field=update_time&sort_order=ASC``
  with body ``{"update_time_ge", "update_time_lt"}`` (Unix seconds) answers ``data.orders`` (whole
  orders, so no second detail call), ``data.next_page_token`` ("" on the last page) and
  ``data.total_count``. Each order: ``id``, ``status``, ``create_time``, ``update_time``,
  ``payment.total_amount`` (a decimal string), ``is_cod``, ``rts_sla_time`` (ship by then or TikTok
  may cancel), ``tracking_number``, ``recipient_address.district_info`` (we read only the commune's
  name: level L3 in Vietnam, no buyer name, phone or street) and ``line_items`` — one per unit sold,
  each with ``product_id``, ``sku_id``, ``seller_sku`` and ``sale_price`` (a decimal string).

``status`` as the guide lists it, and the desk stage we read into it (``integrations.adapters.desk``):
UNPAID (not paid yet), ON_HOLD (paid, inside the buyer's free-cancellation window: the desk's own
``on_hold`` stage, "Tạm giữ: chuẩn bị hàng" — the seller prepares the goods but can neither ship nor
cancel yet; ``rts_sla_time`` already runs), AWAITING_SHIPMENT (ship it), PARTIALLY_SHIPPING (some packages left: still
to ship), AWAITING_COLLECTION (arranged, waiting for the carrier), IN_TRANSIT, DELIVERED, COMPLETED,
CANCELLED.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable

from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.adapters.desk import STAGE_STATUS

SEARCH = "/order/202309/orders/search"
PAGE_SIZE = 50
ORDER_STAGE = {
    "UNPAID": "unpaid", "ON_HOLD": "on_hold", "AWAITING_SHIPMENT": "to_ship",
    "PARTIALLY_SHIPPING": "to_ship", "AWAITING_COLLECTION": "to_pickup", "IN_TRANSIT": "in_transit",
    "DELIVERED": "delivered", "COMPLETED": "delivered", "CANCELLED": "cancelled",
}  # fmt: skip
# The desk stage -> the status the simulator shows (TikTok has no status of its own for a failed
# delivery attempt or a return: the parcel stays IN_TRANSIT, a return ends the order as COMPLETED
# with a return record we do not read, so the simulator shows a returned order as CANCELLED).
STAGE_WIRE = {
    "unpaid": "UNPAID", "to_confirm": "AWAITING_SHIPMENT", "to_ship": "AWAITING_SHIPMENT",
    "cancel_requested": "AWAITING_SHIPMENT", "to_pickup": "AWAITING_COLLECTION",
    "in_transit": "IN_TRANSIT", "delivery_failed": "IN_TRANSIT", "delivered": "DELIVERED",
    "cancelled": "CANCELLED", "returned": "CANCELLED", "on_hold": "ON_HOLD",
}  # fmt: skip
COMMUNE_LEVEL = "L3"

ShopCall = Callable[..., Awaitable[dict]]


def money(text: object) -> int:
    """A decimal string ("120000", "120000.00") as whole đồng."""
    try:
        return round(float(str(text or 0)))
    except ValueError:
        return 0


def order_from_wire(body: dict) -> RemoteOrder:
    stage = ORDER_STAGE.get(str(body.get("status")), "to_ship")
    if body.get("is_buyer_request_cancel") and stage in ("to_ship", "to_pickup"):
        stage = "cancel_requested"  # "True when the buyer has a pending cancellation request"
    units: Counter[str] = Counter()
    prices: dict[str, int] = {}
    for line in body.get("line_items") or []:  # one line per unit: count them per product
        product = str(line["product_id"])
        units[product] += 1
        prices[product] = money(line.get("sale_price"))
    districts = (body.get("recipient_address") or {}).get("district_info") or []
    commune = next(
        (d.get("address_name", "") for d in districts if d.get("address_level") == COMMUNE_LEVEL), ""
    )
    rts = int(body.get("rts_sla_time") or 0)
    return RemoteOrder(
        order_id=str(body["id"]),
        status=STAGE_STATUS[stage],
        stage=stage,
        placed_at=float(body["create_time"]),
        updated_at=float(body.get("update_time") or body["create_time"]),
        amount_vnd=money((body.get("payment") or {}).get("total_amount")),
        items=[RemoteOrderItem(product, count, prices[product]) for product, count in units.items()],
        act_by=float(rts) if rts > 0 else None,
        payment=None if "is_cod" not in body else ("cod" if body["is_cod"] else "prepaid"),
        commune=str(commune)[:100],
        tracking_number=str(body.get("tracking_number") or ""),
    )


async def fetch_orders(shop: ShopCall, since: float, now: float) -> list[RemoteOrder]:
    """Every order changed in [since, now], page by page."""
    found: list[RemoteOrder] = []
    token = ""
    body = {"update_time_ge": int(since), "update_time_lt": int(now) + 1}
    while True:
        params = {"page_size": PAGE_SIZE, "sort_field": "update_time", "sort_order": "ASC"}
        page = (
            await shop("POST", SEARCH, params=params | ({"page_token": token} if token else {}), json=body)
        )["data"]
        found += [order_from_wire(o) for o in page.get("orders") or []]
        token = str(page.get("next_page_token") or "")
        if not token:
            return found
