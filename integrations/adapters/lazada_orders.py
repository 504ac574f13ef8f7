"""Lazada orders as the Open Platform's Order API documents them (API reference > Order API).

- ``GET /orders/get`` (GetOrders): ``update_after`` (ISO 8601), ``sort_by=updated_at``,
  ``sort_direction``, ``offset``, ``limit`` (at most 100); answers ``data.count``,
  ``data.countTotal`` and ``data.orders[]`` with ``order_id``, ``created_at``, ``updated_at``
  (``"2026-12-07 09:15:00 +0700"``), ``price`` (a decimal string), ``payment_method``
  (``COD`` or another method), ``statuses[]`` (one per item's status) and ``address_shipping``.
- ``GET /order/items/get`` (GetOrderItems): ``order_id``; answers ``data[]``, one entry per unit
  sold, each with ``order_item_id``, ``product_id`` (the item id our listing holds), ``sku``
  (the seller SKU), ``item_price``, ``paid_price``, ``status``, ``tracking_code``, ``package_id``
  (once packed), ``shipment_provider`` and ``sla_time_stamp`` (ISO 8601, e.g.
  ``"2019-06-24T23:59:59+08:00"``: the item's ship-by time, by which it is packed, ready to ship
  and handed to the carrier — our ``act_by``).
- ``GET /order/get`` (GetOrder): ``order_id``; answers ``data``, one order as GetOrders lists it
  (``lazada_desk`` reads it before each desk step).

Statuses: GetOrders' ``statuses`` lists ``unpaid``, ``pending``, ``repacked``, ``packed``,
``ready_to_ship_pending``, ``ready_to_ship``, ``shipping``, ``delivered``, ``lost``, ``failed``,
``canceled``, ``returned``, ``damaged_by_3pl``, ``lost_by_3pl``; its ``status`` filter adds
``shipped``, ``topack``, ``toship`` (API reference > Order API > GetOrders, public copy in
github.com/lazykern/ecommerce-api-docs ``data/raw/lazada/apis/order-api``; "Order status flow"
guide: only ``pending``/``repacked`` items may be packed, only ``packed`` made ready to ship).
GetOrderItems' entries carry ``order_item_id``, ``sku``, ``shop_sku``, ``sku_id``, ``product_id``,
``status``, ``reason``, ``package_id``, ``tracking_code``, ``shipment_provider`` (same page).
Unverified: ``failed_delivery``, ``confirmed``, ``shipped_back`` and ``shipped_back_success`` are
read for safety but appear in no copy we found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from integrations.adapters.base import RemoteOrder, RemoteOrderItem

# Lazada's status -> (our order status, the desk's stage).
STATUS = {
    "unpaid": ("placed", "unpaid"),
    "pending": ("placed", "to_ship"),
    "topack": ("placed", "to_ship"),
    "packed": ("placed", "to_ship"),
    "repacked": ("placed", "to_ship"),
    "toship": ("placed", "to_pickup"),
    "ready_to_ship_pending": ("placed", "to_pickup"),
    "ready_to_ship": ("placed", "to_pickup"),
    "shipped": ("shipped", "in_transit"),
    "shipping": ("shipped", "in_transit"),
    "failed_delivery": ("shipped", "delivery_failed"),
    "failed": ("shipped", "delivery_failed"),
    "lost": ("cancelled", "cancelled"),
    "lost_by_3pl": ("cancelled", "cancelled"),
    "damaged_by_3pl": ("cancelled", "cancelled"),
    "delivered": ("delivered", "delivered"),
    "confirmed": ("delivered", "delivered"),
    "canceled": ("cancelled", "cancelled"),
    "returned": ("returned", "returned"),
    "shipped_back": ("returned", "returned"),
    "shipped_back_success": ("returned", "returned"),
}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"
PAGE = 100

Call = Callable[..., Awaitable[dict]]  # (method, api path, **business parameters) -> the answer


def lazada_time(epoch: float) -> str:
    """ISO 8601 as Lazada's ``update_after`` takes it."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_time(text: str) -> float:
    return datetime.strptime(text, TIME_FORMAT).timestamp()


def order_status(statuses: list[str]) -> tuple[str, str]:
    """The order's status and stage from its items' statuses (the least advanced item decides)."""
    known = [STATUS[s] for s in statuses if s in STATUS] or [("placed", "to_ship")]
    order = ("placed", "shipped", "delivered", "returned", "cancelled")
    return min(known, key=lambda pair: order.index(pair[0]))


def _items(lines: list[dict]) -> list[RemoteOrderItem]:
    """One entry per unit on Lazada; one line per item here."""
    units: Counter[str] = Counter()
    price: dict[str, int] = {}
    for line in lines:
        item_id = str(line["product_id"])
        units[item_id] += 1
        price[item_id] = round(float(line.get("paid_price") or line.get("item_price") or 0))
    return [RemoteOrderItem(external_id=i, quantity=n, price_vnd=price[i]) for i, n in units.items()]


def _sla(lines: list[dict]) -> float | None:
    """The earliest item's ``sla_time_stamp``: when the order must be shipped by."""
    stamps = []
    for line in lines:
        try:
            stamps.append(datetime.fromisoformat(str(line.get("sla_time_stamp") or "")).timestamp())
        except ValueError:
            continue
    return min(stamps) if stamps else None


def order_from_wire(order: dict, lines: list[dict]) -> RemoteOrder:
    """One order of GetOrders / GetOrder with its GetOrderItems lines, in our terms."""
    status, stage = order_status(list(order.get("statuses") or []))
    tracking = next((str(line["tracking_code"]) for line in lines if line.get("tracking_code")), "")
    return RemoteOrder(
        order_id=str(order["order_id"]),
        status=status,
        stage=stage,
        placed_at=parse_time(order["created_at"]),
        updated_at=parse_time(order["updated_at"]),
        amount_vnd=round(float(str(order.get("price") or "0").replace(",", ""))),
        items=_items(lines),
        act_by=_sla(lines) if stage in ("to_ship", "to_pickup") else None,
        payment="cod" if str(order.get("payment_method", "")).upper() == "COD" else "prepaid",
        commune=str((order.get("address_shipping") or {}).get("address5") or ""),
        tracking_number=tracking,
    )


async def fetch_orders(call: Call, since: float) -> list[RemoteOrder]:
    found: list[RemoteOrder] = []
    offset = 0
    while True:
        answer = await call(
            "GET",
            "/orders/get",
            update_after=lazada_time(since),
            sort_by="updated_at",
            sort_direction="ASC",
            offset=str(offset),
            limit=str(PAGE),
        )
        orders = (answer.get("data") or {}).get("orders") or []
        for order in orders:
            lines = (await call("GET", "/order/items/get", order_id=str(order["order_id"]))).get("data") or []
            found.append(order_from_wire(order, lines))
        offset += len(orders)
        if len(orders) < PAGE:
            return found
