"""Lazada's order reads in the simulator (GetOrders ``/orders/get``, GetOrderItems ``/order/items/get``),
in the wire format ``integrations.adapters.lazada_orders`` documents. Order ids are Lazada-like numbers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from litestar import Request, Response, get

from integrations.adapters import lazada_orders
from integrations.simulators import orders as order_book

VIETNAM = timezone(timedelta(hours=7))
# The desk stage -> Lazada's item status ("Order status flow" guide).
WIRE = {
    "unpaid": "unpaid", "to_confirm": "pending", "to_ship": "pending", "cancel_requested": "pending",
    "to_pickup": "ready_to_ship", "in_transit": "shipped", "delivery_failed": "failed_delivery",
    "delivered": "delivered", "cancelled": "canceled", "returned": "returned",
}  # fmt: skip


def lazada_id(order: order_book.SimOrder) -> int:
    """``LA-ORD-000012`` -> 400000000012: Lazada's order ids are numbers."""
    return 400_000_000_000 + int(order.id.rsplit("-", 1)[1])


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VIETNAM).strftime(lazada_orders.TIME_FORMAT)


def _order(order: order_book.SimOrder) -> dict:
    units = sum(line["quantity"] for line in order.lines)
    return {
        "order_id": lazada_id(order),
        "order_number": lazada_id(order),
        "created_at": _time(order.created),
        "updated_at": _time(order.updated),
        "price": f"{order.total:.2f}",
        "payment_method": "COD" if order.payment == "cod" else "MIXEDCARD",
        "statuses": [WIRE[order.stage]],
        "items_count": units,
        "address_shipping": {"country": "Vietnam", "address5": order.commune},
    }


def _items(order: order_book.SimOrder) -> list[dict]:
    """One entry per unit, as Lazada lists them."""
    entries: list[dict] = []
    for line in order.lines:
        for unit in range(line["quantity"]):
            entries.append(
                {
                    "order_item_id": lazada_id(order) * 100 + len(entries) + 1,
                    "order_id": lazada_id(order),
                    "product_id": int(line["item_id"]),
                    "sku": line.get("sku", ""),
                    "item_price": float(line["price"]),
                    "paid_price": float(line["price"]),
                    "status": WIRE[order.stage],
                    "tracking_code": order.tracking_number,
                }
            )
            del unit
    return entries


def order_routes(state, read: Callable[[Request, str], Awaitable]) -> list:
    """``read(request, path)``: the signed call's (params, seller id), or Lazada's refusal."""

    @get("/orders/get")
    async def orders_get(request: Request) -> Response:
        got = await read(request, "/orders/get")
        if isinstance(got, Response):
            return got
        params, seller = got
        try:
            since = datetime.fromisoformat(params.get("update_after") or params["created_after"]).timestamp()
            offset, limit = int(params.get("offset") or 0), min(int(params.get("limit") or 100), 100)
        except (KeyError, ValueError):
            return Response(
                {
                    "type": "ISV",
                    "code": "MissingParameter",
                    "message": "update_after or created_after is mandatory",
                    "request_id": state.request_id(),
                }
            )
        found = order_book.changed_since(state, seller, since)
        page = [_order(o) for o in found[offset : offset + limit]]
        data = {"count": len(page), "countTotal": len(found), "orders": page}
        return Response({"code": "0", "data": data, "request_id": state.request_id()})

    @get("/order/items/get")
    async def order_items(request: Request) -> Response:
        got = await read(request, "/order/items/get")
        if isinstance(got, Response):
            return got
        params, seller = got
        wanted = str(params.get("order_id", ""))
        order = next(
            (o for o in state.orders.values() if o.shop_id == seller and str(lazada_id(o)) == wanted), None
        )
        if order is None:
            return Response(
                {"type": "ISP", "code": "16", "message": "Order not found", "request_id": state.request_id()}
            )
        return Response({"code": "0", "data": _items(order), "request_id": state.request_id()})

    return [orders_get, order_items]
