"""TikTok Shop's "Get Order List" in the simulator (``POST /order/202309/orders/search``), as the
adapter's ``tiktok_orders`` module reads it: whole orders, one line item per unit sold.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from litestar import Request, Response, post

from integrations.adapters import tiktok_orders
from integrations.simulators import orders as order_book

SLA_S = 2 * 86400  # ready-to-ship within 2 days of the order (rts_sla_time)


def _order(order: order_book.SimOrder) -> dict:
    lines = [
        {
            "id": f"{order.id}-{line['item_id']}-{unit}",
            "product_id": line["item_id"],
            "sku_id": f"{line['item_id'][:-3]}9{line['item_id'][-3:]}",
            "sale_price": str(line["price"]),
            "currency": "VND",
        }
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
        "status": tiktok_orders.STAGE_WIRE[order.stage],
        "create_time": int(order.created),
        "update_time": int(order.updated),
        "payment": {"currency": "VND", "total_amount": str(order.total)},
        "is_cod": order.payment == "cod",
        "rts_sla_time": int(order.created + SLA_S),
        "tracking_number": order.tracking_number,
        "recipient_address": {"district_info": [commune]},
        "line_items": lines,
    }


def order_routes(
    state, authenticate: Callable[[Request], Awaitable[Response | None]], answer: Callable[..., Response]
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

    return [search]
