"""TikTok Shop's "Get Order List" in the simulator (``POST /order/202309/orders/search``), as the
adapter's ``tiktok_orders`` module reads it: whole orders, one line item per unit sold.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from litestar import Request, Response, get, post

from integrations.adapters import tiktok_desk, tiktok_orders
from integrations.simulators import desk
from integrations.simulators import orders as order_book
from integrations.simulators.tiktok_fulfillment import line_fields, order_fields

PENDING = "CANCELLATION_REQUEST_PENDING"
SLA_S = 2 * 86400  # ready-to-ship within 2 days of the order (rts_sla_time)
# The seller's cancellation reasons TikTok takes, by the order's status (its reason list's
# available statuses: 100 UNPAID; 111 AWAITING_SHIPMENT, 112 AWAITING_COLLECTION).
REASONS = {
    "UNPAID": {"seller_cancel_unpaid_reason_out_of_stock", "seller_cancel_reason_wrong_price"},
    "AWAITING_SHIPMENT": {
        "seller_cancel_reason_out_of_stock",
        "seller_cancel_paid_reason_address_not_deliver",
    },
    "AWAITING_COLLECTION": {
        "seller_cancel_reason_out_of_stock",
        "seller_cancel_paid_reason_address_not_deliver",
    },
}


def _order(order: order_book.SimOrder) -> dict:
    lines = [
        {
            "id": f"{order.id}-{line['item_id']}-{unit}",
            "product_id": line["item_id"],
            "sku_id": f"{line['item_id'][:-3]}9{line['item_id'][-3:]}",
            "sale_price": str(line["price"]),
            "currency": "VND",
        }
        | line_fields(order)
        for line in order.lines
        for unit in range(line["quantity"])
    ]
    commune = {
        "address_level": tiktok_orders.COMMUNE_LEVEL,
        "address_level_name": "Ward",
        "address_name": order.commune,
    }
    return {
        "id": order.id,
        "status": tiktok_orders.STAGE_WIRE[
            (order.stage_before_request or "to_ship") if order.stage == "cancel_requested" else order.stage
        ],
        "is_buyer_request_cancel": order.stage == "cancel_requested",
        "create_time": int(order.created),
        "update_time": int(order.updated),
        "payment": {"currency": "VND", "total_amount": str(order.total)},
        "is_cod": order.payment == "cod",
        "rts_sla_time": int(order.created + SLA_S),
        "tracking_number": order.tracking_number,
        "recipient_address": {"district_info": [commune]},
        "line_items": lines,
    } | order_fields(order)


def order_routes(
    state,
    authenticate: Callable[[Request], Awaitable[Response | None]],
    answer: Callable[..., Response],
    write: Callable[..., Awaitable[Response]],
) -> list:
    @post(tiktok_orders.SEARCH, status_code=200)
    async def search(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = {}
        since, until = body.get("update_time_ge"), body.get("update_time_lt")
        if not isinstance(since, int) or not isinstance(until, int):
            return answer(36009001, "update_time_ge and update_time_lt (Unix seconds) are required.", 400)
        found = [o for o in order_book.changed_since(state, request.state.shop, since) if o.updated < until]
        size = int(request.query_params.get("page_size") or 0)
        if not 1 <= size <= 100:
            return answer(36009001, "page_size must be 1-100.", 400)
        start = int(request.query_params.get("page_token") or 0)
        page = found[start : start + size]
        more = start + size < len(found)
        return answer(
            orders=[_order(o) for o in page],
            next_page_token=str(start + size) if more else "",
            total_count=len(found),
        )

    @get(tiktok_desk.DETAIL)
    async def detail(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        await desk.expire(state)
        wanted = request.query_params.get("ids", "").split(",")[:50]
        found = [
            state.orders[i]
            for i in wanted
            if i in state.orders and state.orders[i].shop_id == request.state.shop
        ]
        return answer(orders=[_order(o) for o in found])

    @post(tiktok_desk.CANCEL, status_code=200)
    async def cancel(request: Request) -> Response:
        def apply(shop: str, body: dict):
            order = state.orders.get(str(body.get("order_id")))
            if order is None or order.shop_id != shop:
                return 404, {"code": 36009002, "message": "Order not found.", "request_id": "", "data": {}}
            status = tiktok_orders.STAGE_WIRE[order.stage]
            if body.get("cancel_reason") not in REASONS.get(status, set()):
                message = f"cancel_reason is not available for an order in {status}."
                return 400, {"code": 36009003, "message": message, "request_id": "", "data": {}}
            if desk.cancel(state, order, str(body["cancel_reason"])):
                return 400, {
                    "code": 36009003,
                    "message": "The order cannot be cancelled now.",
                    "request_id": "",
                    "data": {},
                }
            state.calls[(order.id, "cancel")] += 1
            data = {"cancel_id": f"C{order.id}", "cancel_status": "CANCELLATION_REQUEST_COMPLETE"}
            return 200, {"code": 0, "message": "Success", "request_id": "", "data": data}

        return await write(request, apply)

    @post(tiktok_desk.CANCELLATIONS, status_code=200)
    async def cancellations(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        try:
            wanted = json.loads(await request.body() or b"{}").get("order_ids") or []
        except (ValueError, AttributeError):
            wanted = []
        found = [
            {
                "cancel_id": f"C{o.id}",
                "order_id": o.id,
                "cancel_type": "BUYER_CANCEL",
                "role": "BUYER",
                "cancel_status": PENDING
                if o.stage == "cancel_requested"
                else "CANCELLATION_REQUEST_COMPLETE",
            }
            for o in (state.orders.get(str(i)) for i in wanted[:50])
            if o is not None
            and o.shop_id == request.state.shop
            and (o.stage_before_request or o.stage == "cancel_requested")
        ]
        return answer(cancellations=found, total_count=len(found), next_page_token="")

    @post(tiktok_desk.APPROVE.format("{cancel_id:str}"), status_code=200)
    async def approve(request: Request, cancel_id: str) -> Response:
        def apply(shop: str, body: dict):
            order = state.orders.get(cancel_id.removeprefix("C"))
            if order is None or order.shop_id != shop:
                return 404, {
                    "code": 36009002,
                    "message": "Cancellation not found.",
                    "request_id": "",
                    "data": {},
                }
            if desk.answer_cancellation(state, order, True):
                message = "The cancellation request is not pending."
                return 400, {"code": 36009003, "message": message, "request_id": "", "data": {}}
            state.calls[(order.id, "approve")] += 1
            return 200, {"code": 0, "message": "Success", "request_id": "", "data": {}}

        return await write(request, apply)

    return [search, detail, cancel, cancellations, approve]
