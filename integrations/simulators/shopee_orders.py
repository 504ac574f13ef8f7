"""Shopee's order calls in the simulator (``get_order_list``, ``get_order_detail``), as the adapter's
``shopee_orders`` module reads them. Reading orders first runs Shopee's auto-cancel: an order not
shipped by its ``ship_by_date`` on the simulator's clock is CANCELLED (and pushed) before it is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar import Request, Response, get

from integrations.adapters import shopee_orders
from integrations.simulators import desk
from integrations.simulators import orders as order_book

# The desk stage -> the package's logistics_status (the "Data Definition" guide's LogisticsStatus).
LOGISTICS_STATUS = {
    "unpaid": "LOGISTICS_NOT_START", "to_confirm": "LOGISTICS_READY", "to_ship": "LOGISTICS_READY",
    "cancel_requested": "LOGISTICS_READY", "to_pickup": "LOGISTICS_REQUEST_CREATED",
    "in_transit": "LOGISTICS_PICKUP_DONE", "delivery_failed": "LOGISTICS_DELIVERY_FAILED",
    "delivered": "LOGISTICS_DELIVERY_DONE", "cancelled": "LOGISTICS_INVALID",
    "returned": "LOGISTICS_DELIVERY_DONE",
}  # fmt: skip


def retrying(order: order_book.SimOrder) -> bool:
    """Ready to ship again after the carrier's pickup failed ("Need to re arrange shipment")."""
    return order.stage == "to_ship" and bool(order.shipping_method)


def _order(order: order_book.SimOrder) -> dict:
    return {
        "order_sn": order.id,
        "order_status": "RETRY_SHIP" if retrying(order) else shopee_orders.STAGE_WIRE[order.stage],
        "create_time": int(order.created),
        "update_time": int(order.updated),
        "total_amount": float(order.total),
        "days_to_ship": order.days_to_ship,
        "ship_by_date": int(order.ship_by or 0),
        "cod": order.payment == "cod",
        "item_list": [
            {
                "item_id": int(line["item_id"]),
                "model_id": 0,  # the simulator's items have no variations
                "model_quantity_purchased": line["quantity"],
                "model_discounted_price": float(line["price"]),
            }
            for line in order.lines
        ],
    }


def _packages(order: order_book.SimOrder) -> list[dict]:
    carrier = order.carrier or desk.CARRIERS["shopee"][0]
    status = "LOGISTICS_PICKUP_RETRY" if retrying(order) else LOGISTICS_STATUS[order.stage]
    package = {"package_number": f"P{order.id}", "logistics_status": status}
    return [package | {"shipping_carrier": carrier}]


def own_order(state, request: Request, order_sn: object) -> order_book.SimOrder | None:
    order = state.orders.get(str(order_sn))
    return order if order and order.shop_id == request.query_params.get("shop_id") else None


def order_routes(
    state, authenticate: Callable[[Request], Response | None], answer: Callable[..., Response]
) -> list:
    """The two order routes, checked by the simulator's own ``authenticate``, answered in its envelope."""

    @get(shopee_orders.LIST)
    async def order_list(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        await desk.expire(state)
        q = request.query_params
        since = int(q.get("time_from") or 0)
        if int(q.get("time_to") or 0) - since > shopee_orders.RANGE_MAX_S:
            return answer("error_param", "The time range must be 15 days or less.", 400)
        found = order_book.changed_since(state, q.get("shop_id", ""), since)
        listed = [{"order_sn": o.id} for o in found]
        return answer(response={"more": False, "next_cursor": "", "order_list": listed})

    @get(shopee_orders.DETAIL)
    async def order_detail(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        await desk.expire(state)
        wanted = request.query_params.get("order_sn_list", "").split(",")[: shopee_orders.DETAIL_MAX]
        found = [o for o in (own_order(state, request, n) for n in wanted) if o]
        optional = request.query_params.get("response_optional_fields", "").split(",")
        listed = [
            _order(o)
            | ({"recipient_address": {"town": o.commune}} if "recipient_address" in optional else {})
            | ({"package_list": _packages(o)} if "package_list" in optional else {})
            for o in found
        ]
        return answer(response={"order_list": listed})

    return [order_list, order_detail]
