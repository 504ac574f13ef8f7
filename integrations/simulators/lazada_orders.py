"""Lazada's order reads in the simulator (GetOrders ``/orders/get``, GetOrder ``/order/get``,
GetOrderItems ``/order/items/get``), in the wire format ``integrations.adapters.lazada_orders``
documents. Order ids are Lazada-like numbers. A packed order (``lazada_desk``) is one still to ship
whose carrier has given its waybill: its items are ``packed``, with the package's id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from litestar import Request, Response, get

from integrations.adapters import lazada_orders
from integrations.simulators import orders as order_book
from integrations.simulators.lazada_state import lazada_order_number

VIETNAM = timezone(timedelta(hours=7))
# The desk stage -> Lazada's item status ("Order status flow" guide).
WIRE = {
    "unpaid": "unpaid", "to_confirm": "pending", "to_ship": "pending", "cancel_requested": "pending",
    "to_pickup": "ready_to_ship", "in_transit": "shipped", "delivery_failed": "failed",
    "delivered": "delivered", "cancelled": "canceled", "returned": "returned",
}  # fmt: skip


def lazada_id(order: order_book.SimOrder) -> int:
    """The order's number in Lazada's API."""
    return lazada_order_number(order.id)


def package_id(order: order_book.SimOrder) -> str:
    """The order's one package (Lazada's ``FP…`` ids), once packed."""
    return f"FP{lazada_id(order)}" if order.tracking_number else ""


def status(order: order_book.SimOrder) -> str:
    """The items' Lazada status: ``pending`` until packed, then ``packed``, then the desk's stage."""
    if order.stage == "to_ship" and order.tracking_number:
        return "packed"
    return WIRE[order.stage]


def find(state, seller: str, wanted: object) -> order_book.SimOrder | None:
    """The seller's order by Lazada's numeric id."""
    return next(
        (o for o in state.orders.values() if o.shop_id == seller and str(lazada_id(o)) == str(wanted)), None
    )


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
        "statuses": [status(order)],
        "items_count": units,
        "address_shipping": {"country": "Vietnam", "address5": order.commune},
    }


def _sla(order: order_book.SimOrder) -> str:
    """When the items must be ready to ship (ISO 8601, Vietnam's offset), as GetOrderItems says it."""
    if order.act_by is None:
        return ""
    return datetime.fromtimestamp(order.act_by, VIETNAM).isoformat(timespec="seconds")


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
                    "status": status(order),
                    "tracking_code": order.tracking_number,
                    "package_id": package_id(order),
                    "shipment_provider": order.carrier,
                    "sla_time_stamp": _sla(order),
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

    async def _with_order(
        request: Request, path: str, render: Callable[[order_book.SimOrder], object]
    ) -> Response:
        """A signed read of one order (``order_id``): ``render(order)`` as ``data``, or "E016:
        Invalid Order ID" (code 16, as GetOrder and GetOrderItems list it)."""
        got = await read(request, path)
        if isinstance(got, Response):
            return got
        params, seller = got
        order = find(state, seller, params.get("order_id", ""))
        if order is None:
            return Response(
                {
                    "type": "ISP",
                    "code": "16",
                    "message": "E016: Invalid Order ID",
                    "request_id": state.request_id(),
                }
            )
        return Response({"code": "0", "data": render(order), "request_id": state.request_id()})

    @get("/order/items/get")
    async def order_items(request: Request) -> Response:
        return await _with_order(request, "/order/items/get", _items)

    @get("/order/get")
    async def order_get(request: Request) -> Response:
        return await _with_order(request, "/order/get", _order)

    return [orders_get, order_get, order_items]
