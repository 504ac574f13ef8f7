"""Shopee's order calls in the simulator (``get_order_list``, ``get_order_detail``), as the adapter's
``shopee_orders`` module reads them."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Request, Response, get

from integrations.adapters import shopee_orders
from integrations.simulators import orders as order_book


def _order(order: order_book.SimOrder) -> dict:
    return {
        "order_sn": order.id,
        "order_status": shopee_orders.ORDER_WIRE[order.status],
        "create_time": int(order.created),
        "update_time": int(order.updated),
        "total_amount": float(order.total),
        "days_to_ship": order.days_to_ship,
        "ship_by_date": int(order.ship_by or 0),
        "cod": order.payment == "cod",
        "item_list": [
            {
                "item_id": int(line["item_id"]),
                "model_quantity_purchased": line["quantity"],
                "model_discounted_price": float(line["price"]),
            }
            for line in order.lines
        ],
    }


def order_routes(
    state, authenticate: Callable[[Request], Response | None], answer: Callable[..., Response]
) -> list:
    """The two order routes, checked by the simulator's own ``authenticate``, answered in its envelope."""

    @get(shopee_orders.LIST)
    async def order_list(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
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
        shop_id = request.query_params.get("shop_id", "")
        wanted = request.query_params.get("order_sn_list", "").split(",")[: shopee_orders.DETAIL_MAX]
        found = [state.orders[n] for n in wanted if n in state.orders and state.orders[n].shop_id == shop_id]
        optional = request.query_params.get("response_optional_fields", "").split(",")
        listed = [
            _order(o)
            | ({"recipient_address": {"town": o.commune}} if "recipient_address" in optional else {})
            for o in found
        ]
        return answer(response={"order_list": listed})

    return [order_list, order_detail]
