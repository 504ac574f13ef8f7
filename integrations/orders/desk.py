"""The order desk's actions (issue 20, points 2 and 4): a farmer asks, the outbox carries it.

``request`` checks that the actor may work the order (``access.desk_orders``: 404 otherwise) and
that its current stage allows the action (409 naming the stage in Vietnamese otherwise), then
writes the action (``orders.outbox``) and its audit entry in one transaction and answers the
action's state at once ("đang gửi…"); the sync worker sends it (``orders.execute``). An
``Idempotency-Key`` repeated with the same body answers the first action; with another body, 422.
One action at a time per order: a second while one is being sent is a 409.

``restock`` is "trả lại kho": after a cancellation before shipping, the farmer puts the items'
stock back with one call, once per order (``integrations.orders.service`` explains why it is not
automatic).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Invalid, NotFound
from agrimarket.privacy import access_log
from integrations.adapters.desk import ShipmentChoice
from integrations.adapters.registry import Adapters
from integrations.db import is_postgres
from integrations.orders import outbox
from integrations.orders.access import desk_orders
from integrations.orders.desk_schemas import ActionRead
from integrations.orders.service import current_stage
from integrations.stock import service as stock
from integrations.tables import MarketplaceOrder, OrderAction, OrderStatusChange

STAGE_VI = {
    "unpaid": ("Chờ thanh toán", "awaiting payment"),
    "to_confirm": ("Chờ xác nhận", "to confirm"),
    "to_ship": ("Chờ gửi hàng", "to ship"),
    "cancel_requested": ("Người mua yêu cầu hủy", "cancellation requested"),
    "to_pickup": ("Chờ lấy hàng", "waiting for pickup"),
    "in_transit": ("Đang giao", "in transit"),
    "delivery_failed": ("Giao không thành công", "delivery failed"),
    "delivered": ("Đã giao", "delivered"),
    "cancelled": ("Đã hủy", "cancelled"),
    "returned": ("Bị trả lại", "returned"),
    # TikTok's ON_HOLD: paid, the buyer may still cancel freely; no ship or cancel yet (not in ALLOWED).
    "on_hold": ("Tạm giữ: chuẩn bị hàng", "on hold: prepare the goods"),
}
# What each action does, as the refusal names it ("không thể hủy") and as the timeline shows it.
VERB = {
    "confirm": ("xác nhận", "confirmed"),
    "cancel": ("hủy", "cancelled"),
    "answer_cancellation": ("trả lời yêu cầu hủy", "answered"),
    "arrange_shipment": ("gửi hàng", "shipped"),
    "restock": ("trả lại kho", "restocked"),
}
# The stages each action may be asked in; the marketplace has the last word (a refusal is shown).
CANCELLABLE = ("unpaid", "to_confirm", "to_ship", "to_pickup")
ALLOWED = {
    "confirm": ("to_confirm",),
    "cancel": CANCELLABLE,
    "answer_cancellation": ("cancel_requested",),
    "arrange_shipment": ("to_ship",),
}
STATUS_VI = {
    "queued": "Đang gửi…",
    "running": "Đang gửi…",
    "done": "Đã xong",
    "failed": "Sàn từ chối",
    "dead": "Không gửi được",
}
KEY_MAX = 100
KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"  # visible ASCII, as an HTTP header carries it
_KEY = re.compile(KEY_PATTERN)


def stage_words(stage: str) -> tuple[str, str]:
    return STAGE_VI.get(stage, (stage, stage))


def refused_in(stage: str, kind: str) -> Conflict:
    """409: "Đơn đang ở trạng thái “Đang giao”, không thể hủy." """
    vi, en = stage_words(stage)
    verb_vi, verb_en = VERB[kind]
    return Conflict(
        f"Đơn đang ở trạng thái “{vi}”, không thể {verb_vi}.",
        f"The order is {en}: it cannot be {verb_en} now.",
    )


async def desk_order(actor: Actor, order_id: int) -> dict:
    """The order with its marketplace, when the actor may work it (else 404, as if absent)."""
    row = (
        await MarketplaceOrder.select(
            *MarketplaceOrder.all_columns(),
            MarketplaceOrder.marketplace.code.as_alias("code"),
            MarketplaceOrder.marketplace.name.as_alias("market"),
        )
        .where((MarketplaceOrder.id == order_id) & desk_orders(actor))
        .first()
    )
    if row is None:
        raise NotFound("Không tìm thấy đơn hàng.", "Order not found.")
    # A manager working a member's order reads the member's sale and its buyer's delivery data.
    await access_log.record(actor, f"đơn hàng {order_id}", [row["household"]])
    return row


async def _lock(order_id: int) -> None:
    """Requests on one order one after another (SQLite's write transaction already serialises)."""
    if is_postgres():
        await MarketplaceOrder.raw("SELECT id FROM marketplace_order WHERE id = {} FOR UPDATE", order_id)


def action_read(row: dict) -> ActionRead:
    return ActionRead(
        id=row["id"],
        order_id=row["order"],
        kind=row["kind"],
        status=row["status"],
        status_vi=STATUS_VI[row["status"]],
        parameters=json.loads(row["parameters"] or "{}"),
        requested_at=row["requested_at"],
        done_at=row["done_at"],
        reason_vi=row["reason_vi"],
        reason_en=row["reason_en"],
        result=json.loads(row["result"] or "{}"),
    )


def idempotency_key(header: str | None) -> str:
    """The client's key (a phone's offline queue sends one per tap), or a fresh one per request."""
    if header is None:
        return f"auto-{uuid.uuid4().hex}"
    if not _KEY.fullmatch(header):
        raise Invalid(
            "idempotency_key",
            "Khóa Idempotency-Key phải gồm 1–100 ký tự chữ, số hoặc dấu (không dấu cách).",
            "The Idempotency-Key must be 1-100 visible ASCII characters.",
        )
    return header


async def _first_with_key(order_id: int, key: str, kind: str, parameters: dict) -> ActionRead | None:
    row = (
        await OrderAction.select()
        .where((OrderAction.order == order_id) & (OrderAction.idempotency_key == key))
        .first()
    )
    if row is None:
        return None
    if row["kind"] != kind or json.loads(row["parameters"]) != parameters:
        raise Invalid(
            "idempotency_key",
            "Khóa Idempotency-Key này đã dùng cho một yêu cầu khác trên đơn này.",
            "This Idempotency-Key was used for another request on this order.",
        )
    return action_read(row)


async def request(actor: Actor, order_id: int, kind: str, parameters: dict, key: str | None) -> ActionRead:
    """Ask for one action on an order; its state at once (queued), the worker sends it."""
    key = idempotency_key(key)
    async with write_transaction():
        await _lock(order_id)
        order = await desk_order(actor, order_id)
        first = await _first_with_key(order_id, key, kind, parameters)
        if first is not None:
            return first
        stage = current_stage(order)
        if stage not in ALLOWED[kind]:
            raise refused_in(stage, kind)
        if await OrderAction.exists().where(
            (OrderAction.order == order_id) & OrderAction.status.is_in(list(outbox.PENDING))
        ):
            raise Conflict(
                "Đơn đang có một thao tác đang gửi tới sàn; hãy đợi kết quả rồi thử lại.",
                "An action on this order is still being sent to the marketplace; wait for its result.",
            )
        row = await outbox.enqueue(order_id, order["marketplace"], kind, parameters, key, actor.user_id)
        if row is None:  # the same key a moment ago, in a transaction that has just committed
            first = await _first_with_key(order_id, key, kind, parameters)
            assert first is not None
            return first
        await audit.record(actor, "order", order_id, kind, {"action_id": row["id"], **parameters})
    return action_read(row)


async def confirm(actor: Actor, order_id: int, key: str | None = None) -> ActionRead:
    return await request(actor, order_id, "confirm", {}, key)


async def cancel(
    actor: Actor, order_id: int, reason: str, adapters: Adapters, key: str | None = None
) -> ActionRead:
    """Cancel with one of the marketplace's own reasons (``cancel_reasons`` of its adapter)."""
    order = await desk_order(actor, order_id)
    codes = [r.code for r in getattr(adapters.get(order["code"]), "cancel_reasons", ())]
    if reason not in codes:
        raise Invalid(
            "reason",
            "Hãy chọn một lý do hủy trong danh sách của sàn.",
            "Pick one of the marketplace's cancellation reasons.",
        )
    return await request(actor, order_id, "cancel", {"reason": reason}, key)


async def answer_cancellation(
    actor: Actor, order_id: int, accept: bool, key: str | None = None
) -> ActionRead:
    return await request(actor, order_id, "answer_cancellation", {"accept": accept}, key)


async def arrange_shipment(
    actor: Actor, order_id: int, choice: ShipmentChoice, key: str | None = None
) -> ActionRead:
    """Pickup at one of the offered addresses and slots, or drop-off (the marketplace checks the ids)."""
    errors: dict[str, tuple[str, str]] = {}
    if choice.method == "pickup":
        if not choice.address_id:
            errors["address_id"] = ("Hãy chọn địa chỉ lấy hàng.", "Choose the pickup address.")
        if not choice.slot_id:
            errors["slot_id"] = ("Hãy chọn khung giờ lấy hàng.", "Choose the pickup time slot.")
    for name in ("address_id", "slot_id", "branch_id"):
        if len(getattr(choice, name)) > 80:
            errors[name] = ("Mã quá dài (tối đa 80 ký tự).", "Too long (80 characters at most).")
    if errors:
        raise Invalid.from_fields(errors)
    parameters = {name: value for name, value in _fields(choice).items() if value}
    return await request(actor, order_id, "arrange_shipment", parameters, key)


def _fields(choice: ShipmentChoice) -> dict[str, str]:
    return {name: getattr(choice, name) for name in choice.__struct_fields__}


async def action_state(actor: Actor, order_id: int, action_id: int) -> ActionRead:
    await desk_order(actor, order_id)
    row = (
        await OrderAction.select()
        .where((OrderAction.id == action_id) & (OrderAction.order == order_id))
        .first()
    )
    if row is None:
        raise NotFound("Không tìm thấy thao tác này.", "Action not found.")
    return action_read(row)


async def shipped_ever(order_id: int) -> bool:
    """The carrier had the parcel at some point (a later cancellation finds it on the road)."""
    return await OrderStatusChange.exists().where(
        (OrderStatusChange.order == order_id)
        & (
            OrderStatusChange.to_status.is_in(["shipped", "delivered", "returned"])
            | OrderStatusChange.to_stage.is_in(["in_transit", "delivery_failed"])
        )
    )


async def restock_offered(order: dict) -> bool:
    """ "Trả lại kho" is offered once, after a cancellation before the carrier had the parcel."""
    return (
        order["status"] == "cancelled"
        and order["restocked_at"] is None
        and not await shipped_ever(order["id"])
    )


async def restock(actor: Actor, order_id: int) -> tuple[dict, dict[int, int]]:
    """Put the stock the order took back; (the order, product id -> stock after)."""
    async with write_transaction():
        await _lock(order_id)
        order = await desk_order(actor, order_id)
        if order["restocked_at"] is not None:
            raise Conflict(
                "Hàng của đơn này đã được trả lại kho.", "This order's stock was put back already."
            )
        if order["status"] != "cancelled":
            raise refused_in(current_stage(order), "restock")
        if await shipped_ever(order_id):
            raise Conflict(
                "Đơn đã giao cho đơn vị vận chuyển: hãy sửa số tồn kho khi nhận lại hàng.",
                "The carrier had the parcel: set the stock when it is back with you.",
            )
        now = datetime.now(UTC)
        await MarketplaceOrder.update({MarketplaceOrder.restocked_at: now}).where(
            MarketplaceOrder.id == order_id
        )
        order["restocked_at"] = now
        products = await stock.give_back(order["marketplace"], order["order_ref"], order["code"], actor)
        await audit.record(
            actor, "order", order_id, "restock", {"products": {str(k): v for k, v in products.items()}}
        )
    return order, products
