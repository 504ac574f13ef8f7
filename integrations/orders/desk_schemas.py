"""The order desk over the JSON API: the actions' bodies, an action's state, an order's detail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from agrimarket.web.input import Input, checked
from integrations.orders.schemas import OrderItemRead, Payment, Urgency

ActionKind = Literal["confirm", "cancel", "answer_cancellation", "arrange_shipment"]
# queued / running: "đang gửi…"; done; failed: the marketplace refused (reason_vi); dead: it could
# not be sent (the marketplace did not answer for too long).
ActionStatus = Literal["queued", "running", "done", "failed", "dead"]
Stage = Literal[
    "unpaid", "to_confirm", "to_ship", "cancel_requested", "to_pickup",
    "in_transit", "delivery_failed", "delivered", "cancelled", "returned", "on_hold",
]  # fmt: skip
Ref = Annotated[str, checked(max_length=80)]


class CancelBody(Input):
    reason: Annotated[str, checked(min_length=1, max_length=60)]  # one of the order's cancel_reasons codes


class CancellationAnswer(Input):
    accept: bool  # true: the buyer's cancellation request is accepted


class ShipBody(Input):
    """One of the order's shipping options (GET …/shipping-options): pickup at an address and time
    slot, or drop-off (at a branch, when the marketplace names them)."""

    method: Literal["pickup", "dropoff"]
    address_id: Ref = ""
    slot_id: Ref = ""
    branch_id: Ref = ""


class ActionRead(msgspec.Struct):
    id: int
    order_id: int
    kind: ActionKind
    status: ActionStatus
    status_vi: str  # "Đang gửi…", "Đã xong", "Sàn từ chối", "Không gửi được"
    parameters: dict[str, str | bool]  # {"reason"} | {"accept"} | the shipment choice
    requested_at: datetime
    done_at: datetime | None
    reason_vi: str  # the marketplace's refusal (failed), in its own words; "" otherwise
    reason_en: str
    result: dict[str, str]  # what the marketplace answered (the tracking number of a shipment)


class CancelReasonRead(msgspec.Struct):
    code: str
    label_vi: str
    label_en: str


class MoneyRead(msgspec.Struct):
    amount_vnd: int
    fees_vnd: int | None  # None: not reported by the marketplace yet
    payout_vnd: int | None  # None: not reported yet
    paid_out: bool


class TimelineRead(msgspec.Struct):
    """One row of an order's timeline: a change of status or stage, or one of the farmer's actions."""

    at: datetime
    kind: Literal["status", "action"]
    text_vi: str  # "Đã xác nhận đơn", "Chờ lấy hàng", "Hủy đơn: sàn từ chối (…)"
    status: str = ""
    stage: str = ""
    source: str = ""  # webhook | pull | action (status rows)
    action_id: int | None = None
    action_status: str = ""


class OrderDetailRead(msgspec.Struct):
    id: int
    marketplace: str
    marketplace_code: str
    order_ref: str
    placed_at: datetime
    status: str
    stage: Stage
    stage_vi: str  # "Chờ xác nhận", "Chờ lấy hàng", "Đang giao"…
    payment: Payment | None
    commune: str
    items: list[OrderItemRead]
    act_by: datetime | None
    deadline_vi: str
    urgency: Urgency
    tracking_number: str
    carrier: str
    money: MoneyRead
    timeline: list[TimelineRead]
    allowed: list[str]  # the actions the order's stage allows now (and "restock" when offered)
    cancel_reasons: list[CancelReasonRead]  # the marketplace's own reasons, for "cancel"
    pending: ActionRead | None  # the action being sent ("đang gửi…"), if any
    last_refusal: ActionRead | None  # the latest action the marketplace refused
    restocked_at: datetime | None  # when the farmer put the stock back ("trả lại kho")


class RestockRead(msgspec.Struct):
    order_id: int
    restocked_at: datetime
    products: dict[str, int]  # product id -> its stock afterwards


class PickupSlotRead(msgspec.Struct):
    slot_id: str
    starts_at: datetime
    ends_at: datetime


class PickupAddressRead(msgspec.Struct):
    address_id: str
    address: str
    slots: list[PickupSlotRead]


class DropoffBranchRead(msgspec.Struct):
    branch_id: str
    name: str
    address: str


class ShippingOptionsRead(msgspec.Struct):
    pickup: list[PickupAddressRead]  # empty: the marketplace offers no pickup for this order
    dropoff: list[DropoffBranchRead]  # empty: no drop-off
    carrier: str


class PayoutMonthRead(msgspec.Struct):
    month: str  # YYYY-MM (Vietnam time) of the order's placing
    paid_vnd: int  # payouts the marketplaces have released
    pending_vnd: int  # reported but not released yet, or expected (amount less fees) when not reported
    orders: int
