"""Postmart simulator, orders and the order desk: the contract of ``integrations.adapters.postmart``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Request, Response, get, post

from integrations.adapters import postmart_orders as contract
from integrations.simulators import orders as order_book
from integrations.simulators import partner_desk as seller
from integrations.simulators.public import expire
from integrations.simulators.state import SimState

WORDS = seller.Words(
    contract.STAGE_WIRE, contract.STATUS_VI, tuple(reason.code for reason in contract.CANCEL_REASONS)
)
# Vietnam Post's post offices (bưu cục) the seller may drop a parcel at: (code, name, address).
POST_OFFICES = (
    ("100000", "Bưu cục trung tâm Hà Nội", "Phường Hoàn Kiếm, Hà Nội"),
    ("700000", "Bưu điện trung tâm Sài Gòn", "Phường Sài Gòn, TP. Hồ Chí Minh"),
    ("900000", "Bưu điện Cần Thơ", "Phường Ninh Kiều, TP. Cần Thơ"),
)
FEE_LABELS = {"commission": "Phí dịch vụ sàn", "payment": "Phí thanh toán"}

Auth = Callable[[Request, str], Awaitable[Response | None]]
# Postmart's hand-over word -> the shared step's method.
HANDOVER = {wire: method for method, wire in contract.HANDOVER_WIRE.items()}


def order_wire(order: order_book.SimOrder) -> dict:
    return {
        "order_no": order.id,
        "status": contract.STAGE_WIRE[order.stage],
        "created_at": int(order.created),
        "updated_at": int(order.updated),
        "total": order.total,
        "lines": [
            {"product_id": line["item_id"], "quantity": line["quantity"], "unit_price": line["price"]}
            for line in order.lines
        ],
        "payment_type": order.payment,
        "ship_to_commune": order.commune,
        "tracking_number": order.tracking_number,
        "carrier": contract.CARRIER,
        "cancel_reason": order.cancel_reason,
    }


def options_wire(state: SimState, shop_id: str) -> dict:
    slots = [
        {"slot_id": slot_id, "start": int(start), "end": int(end)}
        for slot_id, start, end in seller.pickup_slots(state)
    ]
    return {
        "carrier": contract.CARRIER,
        "pickup": [
            {"address_id": address_id, "address": address, "slots": slots}
            for address_id, address in seller.pickup_addresses(shop_id)
        ],
        "post_offices": [
            {"code": code, "name": name, "address": where} for code, name, where in POST_OFFICES
        ],
    }


def choice_check(state: SimState, shop_id: str, body: dict) -> Callable[[], seller.Refusal | None]:
    def check() -> seller.Refusal | None:
        if body.get("handover") == "pickup":
            return seller.offered_pickup(
                state, shop_id, str(body.get("address_id")), str(body.get("slot_id"))
            )
        if str(body.get("post_office_code")) not in {code for code, _, _ in POST_OFFICES}:
            return seller.Refusal(422, "unknown_post_office", "Không có bưu cục này.", "Unknown post office.")
        return None

    return check


def settlement_wire(state: SimState, order: order_book.SimOrder) -> dict:
    lines, fees, payout, paid_out = seller.money(state, order)
    return {
        "order_no": order.id,
        "total": order.total,
        "fees": [{"code": kind, "label": FEE_LABELS[kind], "amount": amount} for kind, amount in lines],
        "fee_total": fees,
        "payout": payout,
        "paid_out": paid_out,
    }


def desk_routes(state: SimState, auth: Auth) -> list:
    """The order routes under ``/api/partner/v1/shops/{shop_id}/orders``; ``auth`` checks the signature."""
    orders_path = "/api/partner/v1/shops/{shop_id:str}/orders"
    one = orders_path + "/{order_no:str}"

    @get(orders_path)
    async def orders(request: Request, shop_id: str, updated_since: int = 0) -> Response:
        denied = await auth(request, shop_id)
        if denied:
            return denied
        await expire(state)
        found = order_book.changed_since(state, shop_id, updated_since)
        return Response({"orders": [order_wire(o) for o in found]})

    @get(one)
    async def order(request: Request, shop_id: str, order_no: str) -> Response:
        return await auth(request, shop_id) or await seller.read(state, shop_id, order_no, order_wire)

    async def step(request: Request, shop_id: str, order_no: str, step: seller.Step) -> Response:
        denied = await auth(request, shop_id)
        if denied:
            return denied
        key = request.headers.get("idempotency-key")
        action = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        return await seller.write(state, shop_id, order_no, action, key, step, order_wire)

    async def invalid(request: Request, shop_id: str, message_vi: str, message_en: str) -> Response:
        refusal = seller.Refusal(422, "invalid", message_vi, message_en)
        return await auth(request, shop_id) or Response(refusal.body(), status_code=422)

    @post(one + "/accept", status_code=200)
    async def accept(request: Request, shop_id: str, order_no: str) -> Response:
        # Postmart's one deadline runs from the order's creation: accepting does not move it.
        return await step(request, shop_id, order_no, seller.confirm_step(state, WORDS, keep_deadline=True))

    @post(one + "/cancel", status_code=200)
    async def cancel(request: Request, shop_id: str, order_no: str) -> Response:
        reason = str((await seller.read_json(request)).get("reason", ""))
        return await step(request, shop_id, order_no, seller.cancel_step(state, WORDS, reason))

    @post(one + "/cancel-request", status_code=200)
    async def answer(request: Request, shop_id: str, order_no: str) -> Response:
        approve = (await seller.read_json(request)).get("approve")
        if not isinstance(approve, bool):
            return await invalid(
                request, shop_id, "Cần trả lời đồng ý hoặc từ chối.", "approve must be true or false."
            )
        return await step(request, shop_id, order_no, seller.answer_step(state, WORDS, approve))

    @get(one + "/handover-options")
    async def options(request: Request, shop_id: str, order_no: str) -> Response:
        return await auth(request, shop_id) or await seller.read(
            state, shop_id, order_no, lambda _: options_wire(state, shop_id)
        )

    @post(one + "/ready-to-ship", status_code=200)
    async def ready(request: Request, shop_id: str, order_no: str) -> Response:
        body = await seller.read_json(request)
        method = HANDOVER.get(str(body.get("handover")))
        if method is None:
            return await invalid(
                request, shop_id, "Cách giao hàng không hợp lệ.", "handover: pickup or post_office."
            )
        check = choice_check(state, shop_id, body)
        return await step(request, shop_id, order_no, seller.arrange_step(state, WORDS, method, check))

    @get(one + "/label")
    async def label(request: Request, shop_id: str, order_no: str, size: str = "a6") -> Response:
        return await auth(request, shop_id) or await seller.label(state, shop_id, order_no, size)

    @get(one + "/settlement")
    async def settlement(request: Request, shop_id: str, order_no: str) -> Response:
        return await auth(request, shop_id) or await seller.read(
            state, shop_id, order_no, lambda order: settlement_wire(state, order)
        )

    return [orders, order, accept, cancel, answer, options, ready, label, settlement]
