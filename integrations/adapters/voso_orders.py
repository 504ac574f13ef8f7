"""Voso's orders and order desk, as the contract in ``integrations.adapters.voso`` defines them.

The wire words (statuses, reasons, fields) and the deadline rules are the contract's; this module
maps them to ours (``desk.DESK_STAGES``, ``RemoteOrder``) and holds the adapter's order calls,
mixed into ``VosoAdapter`` (which brings ``_call``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import httpx

from integrations.adapters.base import Account, Rejected, RemoteOrder, RemoteOrderItem, Retryable
from integrations.adapters.desk import (
    LABEL_SIZES,
    STAGE_STATUS,
    CancelReason,
    DropoffBranch,
    OrderMoney,
    PickupAddress,
    PickupSlot,
    Shipment,
    ShipmentChoice,
    ShippingOptions,
)

VIETNAM = timezone(timedelta(hours=7))
CARRIER = "Viettel Post"


def iso(epoch: float) -> str:
    """Voso's timestamps: ISO 8601 in Vietnam time."""
    return datetime.fromtimestamp(epoch, VIETNAM).isoformat(timespec="seconds")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


# Our contract's deadlines: confirm a NEW order within 24 hours of its creation, then hand the
# parcel to Viettel Post within 48 hours of confirming it.
CONFIRM_WITHIN_S = 24 * 3600
HANDOVER_WITHIN_S = 48 * 3600
PAYMENT_WIRE = {"cod": "COD", "prepaid": "PREPAID"}
PAYMENT = {wire: ours for ours, wire in PAYMENT_WIRE.items()}
# Our desk stage -> Voso's order_status.
STAGE_WIRE = {
    "unpaid": "WAITING_PAYMENT", "to_confirm": "NEW", "to_ship": "CONFIRMED",
    "cancel_requested": "CANCEL_REQUESTED", "to_pickup": "WAITING_PICKUP", "in_transit": "DELIVERING",
    "delivery_failed": "DELIVERY_FAILED", "delivered": "DELIVERED", "cancelled": "CANCELED",
    "returned": "RETURNED",
}  # fmt: skip
WIRE_STAGE = {wire: stage for stage, wire in STAGE_WIRE.items()}
# How Voso's back-office names each status (its refusals name the current one).
STATUS_VI = {
    "WAITING_PAYMENT": "Chờ thanh toán", "NEW": "Chờ xác nhận", "CONFIRMED": "Đã xác nhận, chờ tạo vận đơn",
    "CANCEL_REQUESTED": "Người mua yêu cầu hủy", "WAITING_PICKUP": "Chờ lấy hàng",
    "DELIVERING": "Đang giao", "DELIVERY_FAILED": "Giao không thành công", "DELIVERED": "Đã giao",
    "CANCELED": "Đã hủy", "RETURNED": "Đã hoàn hàng",
}  # fmt: skip
CANCEL_REASONS = (
    CancelReason("OUT_OF_STOCK", "Hết hàng", "Out of stock"),
    CancelReason("WRONG_PRICE", "Sai giá sản phẩm", "Wrong price"),
    CancelReason(
        "CANNOT_DELIVER_AREA", "Không giao được đến khu vực người mua", "Cannot deliver to the area"
    ),
    CancelReason("QUALITY_NOT_MET", "Hàng không đạt chất lượng để giao", "Produce not fit to ship"),
)
# Stages whose step has a deadline (a buyer's request stops no clock: it runs on).
DUE_STAGES = ("to_confirm", "to_ship", "cancel_requested", "to_pickup")


def act_by(placed_at: float) -> float:
    """The deadline to confirm an order placed at ``placed_at`` (epoch seconds)."""
    return placed_at + CONFIRM_WITHIN_S


def stage_act_by(stage: str, placed_at: float, confirmed_at: float | None) -> float | None:
    """The deadline of the step the order's stage asks for: confirm within 24 h of creation, then
    hand over within 48 h of confirming; None when the seller has no step left."""
    if stage not in DUE_STAGES:
        return None
    return confirmed_at + HANDOVER_WITHIN_S if confirmed_at is not None else act_by(placed_at)


def order_from_wire(body: dict) -> RemoteOrder:
    placed_at = parse_iso(body["created_time"])
    stage = WIRE_STAGE.get(str(body.get("order_status")), "")
    confirmed = body.get("confirmed_time")
    return RemoteOrder(
        act_by=stage_act_by(stage, placed_at, parse_iso(confirmed) if confirmed else None),
        payment=PAYMENT.get(str(body.get("payment_method"))),
        commune=str(body.get("delivery_ward") or "")[:100],
        order_id=str(body["order_code"]),
        status=STAGE_STATUS.get(stage, "placed"),
        placed_at=placed_at,
        updated_at=parse_iso(body.get("update_time") or body["created_time"]),
        amount_vnd=int(body.get("total_amount") or 0),
        items=[
            RemoteOrderItem(str(line["item_id"]), int(line["qty"]), int(line.get("price") or 0))
            for line in body.get("items") or []
        ],
        stage=stage,
        tracking_number=str(body.get("waybill_code") or ""),
    )


def shipping_options_from_wire(body: dict) -> ShippingOptions:
    return ShippingOptions(
        pickup=[
            PickupAddress(
                str(place["address_id"]),
                str(place.get("address") or ""),
                [
                    PickupSlot(str(slot["slot_id"]), parse_iso(slot["from"]), parse_iso(slot["to"]))
                    for slot in place.get("slots") or []
                ],
            )
            for place in body.get("pickup_addresses") or []
        ],
        dropoff=[
            DropoffBranch(str(b["branch_code"]), str(b.get("name") or ""), str(b.get("address") or ""))
            for b in body.get("branches") or []
        ],
        carrier=str(body.get("carrier") or CARRIER),
    )


def choice_to_wire(choice: ShipmentChoice) -> dict:
    if choice.method == "pickup":
        return {"method": "pickup", "address_id": choice.address_id, "slot_id": choice.slot_id}
    if choice.method == "dropoff":
        return {"method": "dropoff", "branch_code": choice.branch_id}
    raise Rejected("Cách giao hàng không hợp lệ.", f"Unknown shipping method {choice.method!r}.")


def money_from_wire(body: dict) -> OrderMoney:
    fees, payout = body.get("fee_total"), body.get("payout_amount")
    return OrderMoney(
        amount_vnd=int(body.get("total_amount") or 0),
        fees_vnd=int(fees) if fees is not None else None,
        payout_vnd=int(payout) if payout is not None else None,
        paid_out=bool(body.get("paid_out")),
    )


class VosoOrders:
    """The order calls of ``VosoAdapter`` (``desk.OrderDesk``), over its authenticated ``_call``."""

    cancel_reasons = CANCEL_REASONS
    confirms = True

    async def _call(
        self, account: Account, method: str, path: str, body: dict | None = None, key: str | None = None
    ) -> httpx.Response:
        raise NotImplementedError  # VosoAdapter's

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        # Whole seconds: the ISO timestamp carries no fraction, so round down (never miss one).
        path = f"/orders?updated_from={iso(int(since)).replace('+', '%2B')}"
        return [order_from_wire(o) for o in (await self._call(account, "GET", path)).json().get("data", [])]

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        return order_from_wire((await self._call(account, "GET", _order_path(order_id))).json())

    async def confirm_order(self, account: Account, order_id: str, idempotency_key: str) -> RemoteOrder:
        path = _order_path(order_id, "/confirm")
        return order_from_wire((await self._call(account, "POST", path, {}, idempotency_key)).json())

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder:
        if reason_code not in {reason.code for reason in CANCEL_REASONS}:
            raise Rejected("Lý do hủy không có trong danh sách của Voso.", f"Unknown reason {reason_code!r}.")
        path, body = _order_path(order_id, "/cancel"), {"reason_code": reason_code}
        return order_from_wire((await self._call(account, "POST", path, body, idempotency_key)).json())

    async def answer_cancellation(
        self, account: Account, order_id: str, accept: bool, idempotency_key: str
    ) -> RemoteOrder:
        path, body = _order_path(order_id, "/cancel-request"), {"decision": "accept" if accept else "reject"}
        return order_from_wire((await self._call(account, "POST", path, body, idempotency_key)).json())

    async def shipping_options(self, account: Account, order_id: str) -> ShippingOptions:
        path = _order_path(order_id, "/shipping-options")
        return shipping_options_from_wire((await self._call(account, "GET", path)).json())

    async def arrange_shipment(
        self, account: Account, order_id: str, choice: ShipmentChoice, idempotency_key: str
    ) -> Shipment:
        path, body = _order_path(order_id, "/waybill"), choice_to_wire(choice)
        order = (await self._call(account, "POST", path, body, idempotency_key)).json()
        return Shipment(str(order.get("waybill_code") or ""), str(order.get("carrier") or CARRIER))

    async def tracking(self, account: Account, order_id: str) -> Shipment:
        order = (await self._call(account, "GET", _order_path(order_id))).json()
        return Shipment(str(order.get("waybill_code") or ""), str(order.get("carrier") or CARRIER))

    async def shipping_label(self, account: Account, order_id: str, size: str) -> bytes:
        if size not in LABEL_SIZES:
            raise Rejected("Khổ nhãn không hợp lệ (A6 hoặc 80 mm).", f"Unknown label size {size!r}.")
        response = await self._call(account, "GET", _order_path(order_id, f"/label?size={size}"))
        return _pdf(response)

    async def order_money(self, account: Account, order_id: str) -> OrderMoney:
        return money_from_wire((await self._call(account, "GET", _order_path(order_id, "/finance"))).json())


def _order_path(order_id: str, tail: str = "") -> str:
    return f"/orders/{quote(order_id, safe='')}{tail}"


def _pdf(response: httpx.Response) -> bytes:
    """The label's bytes; anything but a PDF is a fault of the marketplace's, worth another try."""
    if not response.content.startswith(b"%PDF"):
        raise Retryable("The label is not a PDF.", call="GET label")
    return response.content
