"""What a simulator serves outside the seller API: the storefront and item pages, moderation
takedowns and buyers' orders (demo and tests).
"""

from __future__ import annotations

import html

from litestar import Response, get, post

from integrations.simulators import desk
from integrations.simulators import orders as order_book
from integrations.simulators.responses import error
from integrations.simulators.state import SimState

# The carrier's steps once it has a parcel: step -> (the stages it may come from, where it leads).
CARRIER_STEPS = {
    "picked_up": (("to_pickup",), "in_transit"),  # picked up, or taken in at the branch
    "pickup_failed": (
        ("to_pickup",),
        "to_ship",
    ),  # the seller arranges the shipment again (Shopee's RETRY_SHIP)
    "in_transit": (("delivery_failed",), "in_transit"),  # a failed delivery tried again
    "delivery_failed": (("in_transit",), "delivery_failed"),
    "failed": (("in_transit",), "delivery_failed"),  # the same, as the Shopee simulator's tests say it
    "delivered": (("in_transit", "delivery_failed"), "delivered"),
    "returned": (("in_transit", "delivery_failed"), "returned"),
}


async def expire(state: SimState) -> list[order_book.SimOrder]:
    """The marketplace's auto-cancel on its clock (``desk.sweep``), each cancelled order pushed.

    Simulators run it before answering about orders: a mounted simulator has no loop of its own,
    and whoever asks sees the orders as they stand on the marketplace's clock."""
    missed = desk.sweep(state)
    for order in missed:
        await state.push(order_book.event(order))
    return missed


def carrier_step(state: SimState, order: order_book.SimOrder, step: str) -> bool:
    """The carrier moves the parcel on; False when the step does not follow the order's stage."""
    before, after = CARRIER_STEPS[step]
    if order.stage not in before:
        return False
    order_book.set_stage(state, order, after)
    return True


def storefront(state: SimState, title: str, shop_id: str) -> Response:
    rows = "".join(
        f'<li><a href="{html.escape(state.url(i.id))}">{html.escape(i.fields["name"])}</a> — '
        f"{i.fields['price']} đ · còn {i.fields['stock']}</li>"
        for i in state.live_items(shop_id)
    )
    page = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width"><title>{html.escape(title)} — {html.escape(shop_id)}</title>'
        f"<h1>{html.escape(title)} (mô phỏng) — gian hàng {html.escape(shop_id)}</h1>"
        f"<ul>{rows or '<li>Chưa có sản phẩm.</li>'}</ul></html>"
    )
    return Response(page, media_type="text/html")


def item_page(state: SimState, title: str, item_id: str) -> Response:
    item = state.items.get(item_id)
    if item is None or item.status != "live":
        return Response("<h1>Sản phẩm không còn bán.</h1>", media_type="text/html", status_code=404)
    fields = item.fields
    images = "".join(f'<img src="{html.escape(u)}" width="160" alt="">' for u in fields["images"][:3])
    page = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{html.escape(fields["name"])}</title>'
        f"<p>{html.escape(title)} (mô phỏng)</p><h1>{html.escape(fields['name'])}</h1>{images}"
        f"<p>{fields['price']} đ / {html.escape(fields['unit'])} · còn {fields['stock']}</p>"
        f"<p>{html.escape(fields['description'])}</p></html>"
    )
    return Response(page, media_type="text/html")


def public_routes(state: SimState, title: str, answer) -> list:
    """Routes both simulators share: the seller storefront, an item page and moderation takedown.

    ``answer(state, item)`` renders an item in the marketplace's own wire format.
    """

    @get("/shop/{shop_id:str}")
    async def shop_page(shop_id: str) -> Response:
        return storefront(state, title, shop_id)

    @get("/item/{item_id:str}")
    async def item(item_id: str) -> Response:
        return item_page(state, title, item_id)

    @post("/moderation/{item_id:str}/takedown", status_code=200)
    async def takedown(item_id: str, reason: str = "Vi phạm chính sách đăng bán") -> Response:
        found = state.items.get(item_id)
        if found is None:
            return error(404, "not_found", "Không có sản phẩm.", "No such item.")
        found.status, found.reason, found.moderated = "delisted", reason, True
        state.save()
        await state.notify(found)
        return Response(answer(state, found))

    @post("/orders/{item_id:str}", status_code=200)
    async def order(
        item_id: str,
        quantity: int = 1,
        payment: str = "cod",
        commune: str = order_book.COMMUNES[0],
        days_to_ship: int = 2,
    ) -> Response:
        """A buyer orders on the marketplace (demo and tests): the sale is pushed to the seller."""
        if payment not in ("cod", "prepaid") or not 1 <= days_to_ship <= 30:
            return error(400, "bad_order", "Đơn hàng không hợp lệ.", "Bad payment or days_to_ship.")
        found = state.items.get(item_id)
        if found is None or found.status != "live":
            return error(404, "not_found", "Không có sản phẩm.", "No such item.")
        if quantity < 1 or quantity > found.fields["stock"]:
            return error(409, "out_of_stock", "Không đủ hàng.", "Not enough stock.")
        buyer = {"payment": payment, "commune": commune[:100], "days_to_ship": days_to_ship}
        return Response(await state.sell(found, quantity, **buyer))

    @post("/orders/{order_id:str}/status", status_code=200)
    async def order_status(order_id: str, status: str) -> Response:
        """The order moves on (shipped, delivered, cancelled, returned): the seller is told."""
        found = state.orders.get(order_id)
        if found is None:
            return error(404, "not_found", "Không có đơn hàng.", "No such order.")
        if not order_book.move(state, found, status):
            return error(409, "bad_step", "Đơn hàng không thể chuyển sang trạng thái này.", "Not allowed.")
        told = order_book.event(found)
        await state.push(told)
        return Response(told)

    @post(["/orders/{order_id:str}/cancel-request", "/orders/{order_id:str}/buyer-cancel"], status_code=200)
    async def buyer_cancel_request(order_id: str) -> Response:
        """The buyer asks to cancel (before the carrier has the parcel): the seller is told."""
        await expire(state)
        found = state.orders.get(order_id)
        if found is None:
            return error(404, "not_found", "Không có đơn hàng.", "No such order.")
        if desk.request_cancellation(state, found):
            return error(409, "bad_step", "Đơn hàng không thể yêu cầu hủy lúc này.", "Not allowed now.")
        told = order_book.event(found)
        await state.push(told)
        return Response(told)

    @post("/orders/{order_id:str}/carrier", status_code=200)
    async def carrier(order_id: str, step: str) -> Response:
        """The carrier's step (picked_up, in_transit, delivery_failed, delivered, returned): pushed."""
        await expire(state)
        found = state.orders.get(order_id)
        if found is None:
            return error(404, "not_found", "Không có đơn hàng.", "No such order.")
        if step not in CARRIER_STEPS:
            return error(400, "bad_step", "Bước vận chuyển không hợp lệ.", "Unknown carrier step.")
        if not carrier_step(state, found, step):
            return error(409, "bad_step", "Đơn hàng không thể chuyển sang bước này.", "Not allowed now.")
        told = order_book.event(found)
        await state.push(told)
        return Response(told)

    @post("/desk/sweep", status_code=200)
    async def sweep() -> Response:
        """Run the marketplace's auto-cancel now (tests, after moving the clock): the cancelled ids."""
        return Response({"cancelled": [o.id for o in await expire(state)]})

    return [shop_page, item, takedown, order, order_status, buyer_cancel_request, carrier, sweep]
