"""The order desk of our partner contracts (Voso, Postmart), as their simulators share it.

Both contracts (in ``integrations.adapters.voso`` and ``.postmart``) have the same steps and the same
answers: each write is replayed from its idempotency key, a step already taken answers the order as
it is, a step its status does not allow is a 409 ``wrong_status`` naming the current status in the
marketplace's words, and every change is pushed. Each simulator brings its words and wire shapes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from litestar import Request, Response

from integrations.adapters.desk import LABEL_SIZES
from integrations.simulators import desk
from integrations.simulators import orders as order_book
from integrations.simulators.base import play_write
from integrations.simulators.orders import SimOrder
from integrations.simulators.public import expire
from integrations.simulators.state import SimState

VIETNAM = timezone(timedelta(hours=7))
# Stages past the confirm step, and past the hand-over (the carrier has had the parcel).
CONFIRMED = ("to_ship", "to_pickup", "in_transit", "delivery_failed", "delivered")
HANDED_OVER = ("in_transit", "delivery_failed", "delivered", "returned")
# The carrier's pickup windows, Vietnam time, on each of the next days.
PICKUP_WINDOWS = (("AM", 8, 12), ("PM", 13, 17))
PICKUP_DAYS = 2


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message_vi: str
    message_en: str

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message_en, "message_vi": self.message_vi}}


NOT_FOUND = Refusal(404, "not_found", "Không có đơn hàng.", "No such order.")
KEY_REUSED = Refusal(
    422,
    "key_reused",
    "Mã chống gửi trùng đã dùng cho một thao tác khác.",
    "Idempotency key used for another write.",
)
Step = Callable[[SimOrder], Refusal | None]


@dataclass(frozen=True)
class Words:
    """A marketplace's status words, their Vietnamese names and its sellers' cancel reasons."""

    stage_wire: dict[str, str]
    status_vi: dict[str, str]
    reasons: tuple[str, ...]

    def wrong_status(self, order: SimOrder, doing_vi: str, doing_en: str) -> Refusal:
        wire = self.stage_wire[order.stage]
        return Refusal(
            409,
            "wrong_status",
            f"Đơn hàng đang ở trạng thái «{self.status_vi[wire]}» ({wire}): không thể {doing_vi}.",
            f"The order is {wire}: cannot {doing_en}.",
        )


async def read_json(request: Request) -> dict:
    """A write's JSON body; anything else is an empty one (each step refuses what it lacks)."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def owned(state: SimState, shop_id: str, order_id: str) -> SimOrder | None:
    order = state.orders.get(order_id)
    return order if order is not None and order.shop_id == shop_id else None


async def read(state: SimState, shop_id: str, order_id: str, render: Callable[[SimOrder], dict]) -> Response:
    await expire(state)
    order = owned(state, shop_id, order_id)
    if order is None:
        return Response(NOT_FOUND.body(), status_code=404)
    return Response(render(order))


async def write(
    state: SimState,
    shop_id: str,
    order_id: str,
    action: str,
    key: str | None,
    step: Step,
    render: Callable[[SimOrder], dict],
) -> Response:
    """One seller step (``action``: its path's last word): faults and replay (``play_write``), the
    step, the order pushed if it changed. A key reused for another order or step is refused."""
    scoped = key and f"{shop_id}:{key}"
    this_write = f"{order_id}/{action}"
    if scoped and state.key_uses.setdefault(scoped, this_write) != this_write:
        return Response(KEY_REUSED.body(), status_code=422)
    await expire(state)
    changed: list[SimOrder] = []

    def apply() -> tuple[int, dict]:
        order = owned(state, shop_id, order_id)
        if order is None:
            return 404, NOT_FOUND.body()
        before = (order.stage, order.tracking_number, order.updated)
        refusal = step(order)
        if refusal is not None:
            return refusal.status, refusal.body()
        if (order.stage, order.tracking_number, order.updated) != before:
            changed.append(order)
        return 200, render(order)

    response = await play_write(state, scoped, apply)
    for order in changed:
        await state.push(order_book.event(order))
    return response


def confirm_step(state: SimState, words: Words, keep_deadline: bool = False) -> Step:
    """Accept a new order. ``keep_deadline``: the deadline stays the one set at creation (Postmart),
    instead of the shared rule's hand-over from confirming (Voso)."""

    def step(order: SimOrder) -> Refusal | None:
        if order.stage in CONFIRMED:
            return None  # already confirmed: the order as it is
        deadline = order.act_by
        if desk.confirm(state, order):
            return words.wrong_status(order, "xác nhận đơn", "confirm it")
        if keep_deadline:
            order.act_by = deadline
        return None

    return step


def cancel_step(state: SimState, words: Words, reason: str) -> Step:
    def step(order: SimOrder) -> Refusal | None:
        if reason not in words.reasons:
            return Refusal(
                422, "invalid_reason", "Lý do hủy không hợp lệ.", f"Unknown cancel reason {reason!r}."
            )
        if order.stage == "cancelled":
            return None
        if desk.cancel(state, order, reason):
            return words.wrong_status(order, "hủy đơn", "cancel it")
        return None

    return step


def answer_step(state: SimState, words: Words, accept: bool) -> Step:
    def step(order: SimOrder) -> Refusal | None:
        if accept and order.stage == "cancelled" and order.cancelled_by == "buyer":
            return None
        if not accept and order.stage_before_request and order.stage == order.stage_before_request:
            return None
        if desk.answer_cancellation(state, order, accept):
            return words.wrong_status(order, "trả lời yêu cầu hủy", "answer a cancellation request")
        return None

    return step


def arrange_step(state: SimState, words: Words, method: str, check: Callable[[], Refusal | None]) -> Step:
    """Ready to ship: ``check`` refuses a choice the marketplace does not offer now."""

    def step(order: SimOrder) -> Refusal | None:
        if order.tracking_number and order.stage in HANDED_OVER:
            return None
        if order.stage == "to_ship":
            refusal = check()
            if refusal is not None:
                return refusal
        if desk.arrange(state, order, method):
            return words.wrong_status(order, "tạo vận đơn", "arrange the shipment")
        return None

    return step


def pickup_slots(state: SimState) -> list[tuple[str, float, float]]:
    """(slot id, start, end) of the carrier's pickup windows on the next days, on the marketplace's clock."""
    today = datetime.fromtimestamp(state.now(), VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0)
    slots = []
    for days in range(1, PICKUP_DAYS + 1):
        day = today + timedelta(days=days)
        for name, start, end in PICKUP_WINDOWS:
            slot_id = f"{day:%Y%m%d}-{name}"
            slots.append(
                (
                    slot_id,
                    (day + timedelta(hours=start)).timestamp(),
                    (day + timedelta(hours=end)).timestamp(),
                )
            )
    return slots


def pickup_addresses(shop_id: str) -> list[tuple[str, str]]:
    """(address id, address) of the seller's pickup addresses (the simulator knows one per shop)."""
    return [("KHO-1", f"Kho hàng của gian hàng {shop_id}")]


def offered_pickup(state: SimState, shop_id: str, address_id: str, slot_id: str) -> Refusal | None:
    if address_id not in {a for a, _ in pickup_addresses(shop_id)}:
        return Refusal(422, "unknown_address", "Không có địa chỉ lấy hàng này.", "Unknown pickup address.")
    if slot_id not in {s for s, _, _ in pickup_slots(state)}:
        return Refusal(
            422, "no_pickup_slot", "Khung giờ lấy hàng không còn.", "No such pickup slot (any more)."
        )
    return None


def money(state: SimState, order: SimOrder) -> tuple[list[tuple[str, int]], int, int, bool]:
    """(fee lines [commission, payment], fees, payout, paid out); a cancelled or returned order
    costs and pays nothing."""
    if order.stage in ("cancelled", "returned"):
        return [("commission", 0), ("payment", 0)], 0, 0, False
    fees, payout, paid_out = desk.money(state, order)
    payment_fee = fees // 3
    return [("commission", fees - payment_fee), ("payment", payment_fee)], fees, payout, paid_out


async def label(state: SimState, shop_id: str, order_id: str, size: str) -> Response:
    """The waybill label as a PDF, once there is a waybill."""
    await expire(state)
    order = owned(state, shop_id, order_id)
    if order is None:
        return Response(NOT_FOUND.body(), status_code=404)
    if size not in LABEL_SIZES:
        refusal = Refusal(422, "invalid_size", "Khổ nhãn phải là a6 hoặc 80mm.", "Size must be a6 or 80mm.")
        return Response(refusal.body(), status_code=422)
    if not order.tracking_number:
        refusal = Refusal(409, "no_waybill", "Đơn hàng chưa có vận đơn.", "The order has no waybill yet.")
        return Response(refusal.body(), status_code=409)
    return Response(desk.label_pdf(order, size), media_type="application/pdf")
