"""Voso simulator, orders and the order desk: the contract of ``integrations.adapters.voso``."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Request, Response, get, post

from integrations.adapters import voso_orders as contract
from integrations.simulators import desk
from integrations.simulators import orders as order_book
from integrations.simulators import partner_desk as seller
from integrations.simulators.public import expire
from integrations.simulators.state import SimState

WORDS = seller.Words(
    contract.STAGE_WIRE, contract.STATUS_VI, tuple(reason.code for reason in contract.CANCEL_REASONS)
)
# The marketplace's own reasons for the cancellations it makes.
CANCEL_WIRE = {"buyer_request": "BUYER_REQUEST", "deadline_missed": "DEADLINE_MISSED"}
BRANCHES = (
    ("VTP-HNI-HOANKIEM", "Bưu cục Viettel Post Hoàn Kiếm", "Phường Hoàn Kiếm, Hà Nội"),
    ("VTP-HCM-BENTHANH", "Bưu cục Viettel Post Bến Thành", "Phường Bến Thành, TP. Hồ Chí Minh"),
    ("VTP-CTO-NINHKIEU", "Bưu cục Viettel Post Ninh Kiều", "Phường Ninh Kiều, TP. Cần Thơ"),
)
FEE_NAMES = {"commission": ("COMMISSION", "Phí hoa hồng"), "payment": ("PAYMENT", "Phí thanh toán")}

Auth = Callable[[Request, str], Response | None]


def confirmed_at(order: order_book.SimOrder) -> float | None:
    """When the order was confirmed: ``desk.confirm`` moves its deadline to confirming + 48 h, so a
    deadline other than the creation's + 24 h tells it."""
    if order.act_by is None or order.stage in ("unpaid", "to_confirm"):
        return None
    if order.act_by == order.created + contract.CONFIRM_WITHIN_S:
        return None
    return order.act_by - desk.HANDOVER_AFTER_CONFIRM_S


def order_wire(order: order_book.SimOrder) -> dict:
    confirmed = confirmed_at(order)
    return {
        "order_code": order.id,
        "order_status": contract.STAGE_WIRE[order.stage],
        "created_time": contract.iso(order.created),
        "update_time": contract.iso(order.updated),
        "confirmed_time": contract.iso(confirmed) if confirmed is not None else None,
        "total_amount": order.total,
        "items": [
            {"item_id": line["item_id"], "qty": line["quantity"], "price": line["price"]}
            for line in order.lines
        ],
        "payment_method": contract.PAYMENT_WIRE[order.payment],
        "delivery_ward": order.commune,
        "waybill_code": order.tracking_number,
        "carrier": contract.CARRIER,
        "cancel_reason": CANCEL_WIRE.get(order.cancel_reason, order.cancel_reason),
    }


def options_wire(state: SimState, shop_id: str) -> dict:
    slots = [
        {"slot_id": slot_id, "from": contract.iso(start), "to": contract.iso(end)}
        for slot_id, start, end in seller.pickup_slots(state)
    ]
    return {
        "carrier": contract.CARRIER,
        "pickup_addresses": [
            {"address_id": address_id, "address": address, "slots": slots}
            for address_id, address in seller.pickup_addresses(shop_id)
        ],
        "branches": [{"branch_code": code, "name": name, "address": where} for code, name, where in BRANCHES],
    }


def choice_check(state: SimState, shop_id: str, body: dict) -> Callable[[], seller.Refusal | None]:
    def check() -> seller.Refusal | None:
        if body.get("method") == "pickup":
            return seller.offered_pickup(
                state, shop_id, str(body.get("address_id")), str(body.get("slot_id"))
            )
        if str(body.get("branch_code")) not in {code for code, _, _ in BRANCHES}:
            return seller.Refusal(422, "unknown_branch", "Không có bưu cục này.", "Unknown branch.")
        return None

    return check


def finance_wire(state: SimState, order: order_book.SimOrder) -> dict:
    lines, fees, payout, paid_out = seller.money(state, order)
    return {
        "order_code": order.id,
        "total_amount": order.total,
        "fees": [
            {"fee_type": FEE_NAMES[kind][0], "name": FEE_NAMES[kind][1], "amount": amount}
            for kind, amount in lines
        ],
        "fee_total": fees,
        "payout_amount": payout,
        "paid_out": paid_out,
    }


def desk_routes(state: SimState, auth: Auth) -> list:
    """The order routes under ``/v2/sellers/{shop_id}/orders``; ``auth`` checks the bearer token."""
    orders_path = "/v2/sellers/{shop_id:str}/orders"
    one = orders_path + "/{order_code:str}"

    @get(orders_path)
    async def orders(request: Request, shop_id: str, updated_from: str = "") -> Response:
        denied = auth(request, shop_id)
        if denied:
            return denied
        try:
            since = contract.parse_iso(updated_from) if updated_from else 0.0
        except ValueError:
            refusal = seller.Refusal(422, "invalid", "Sai thời điểm.", "Bad updated_from")
            return Response(refusal.body(), status_code=422)
        await expire(state)
        return Response({"data": [order_wire(o) for o in order_book.changed_since(state, shop_id, since)]})

    @get(one)
    async def order(request: Request, shop_id: str, order_code: str) -> Response:
        return auth(request, shop_id) or await seller.read(state, shop_id, order_code, order_wire)

    async def step(
        request: Request, shop_id: str, order_code: str, make: Callable[[dict], seller.Step]
    ) -> Response:
        denied = auth(request, shop_id)
        if denied:
            return denied
        step = make(await seller.read_json(request))
        key = request.headers.get("x-idempotency-key")
        action = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        return await seller.write(state, shop_id, order_code, action, key, step, order_wire)

    @post(one + "/confirm", status_code=200)
    async def confirm(request: Request, shop_id: str, order_code: str) -> Response:
        return await step(request, shop_id, order_code, lambda _: seller.confirm_step(state, WORDS))

    @post(one + "/cancel", status_code=200)
    async def cancel(request: Request, shop_id: str, order_code: str) -> Response:
        return await step(
            request,
            shop_id,
            order_code,
            lambda body: seller.cancel_step(state, WORDS, str(body.get("reason_code", ""))),
        )

    @post(one + "/cancel-request", status_code=200)
    async def answer(request: Request, shop_id: str, order_code: str) -> Response:
        body = await seller.read_json(request)
        if body.get("decision") not in ("accept", "reject"):
            refusal = seller.Refusal(
                422, "invalid", "Quyết định phải là accept hoặc reject.", "Bad decision."
            )
            return auth(request, shop_id) or Response(refusal.body(), status_code=422)
        accept = body["decision"] == "accept"
        return await step(request, shop_id, order_code, lambda _: seller.answer_step(state, WORDS, accept))

    @get(one + "/shipping-options")
    async def options(request: Request, shop_id: str, order_code: str) -> Response:
        return auth(request, shop_id) or await seller.read(
            state, shop_id, order_code, lambda _: options_wire(state, shop_id)
        )

    @post(one + "/waybill", status_code=200)
    async def waybill(request: Request, shop_id: str, order_code: str) -> Response:
        body = await seller.read_json(request)
        method = body.get("method")
        if method not in ("pickup", "dropoff"):
            refusal = seller.Refusal(422, "invalid", "Cách giao hàng không hợp lệ.", "Bad method.")
            return auth(request, shop_id) or Response(refusal.body(), status_code=422)
        check = choice_check(state, shop_id, body)
        return await step(
            request, shop_id, order_code, lambda _: seller.arrange_step(state, WORDS, method, check)
        )

    @get(one + "/label")
    async def label(request: Request, shop_id: str, order_code: str, size: str = "a6") -> Response:
        return auth(request, shop_id) or await seller.label(state, shop_id, order_code, size)

    @get(one + "/finance")
    async def finance(request: Request, shop_id: str, order_code: str) -> Response:
        return auth(request, shop_id) or await seller.read(
            state, shop_id, order_code, lambda order: finance_wire(state, order)
        )

    return [orders, order, confirm, cancel, answer, options, waybill, label, finance]
