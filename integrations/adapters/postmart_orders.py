"""Postmart's orders and order desk, as the contract in ``integrations.adapters.postmart`` defines them.

The wire words (statuses, reasons, fields) and the deadline rule are the contract's; this module
maps them to ours (``desk.DESK_STAGES``, ``RemoteOrder``) and holds the adapter's order calls,
mixed into ``PostmartAdapter`` (which brings the signed ``_call``).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from integrations.adapters.base import PAYMENTS, Account, Rejected, RemoteOrder, RemoteOrderItem, Retryable
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

CARRIER = "Vietnam Post"
# Our contract: hand a new order over to Vietnam Post within 48 hours of its creation.
HANDOVER_WITHIN_S = 48 * 3600
# Our desk stage -> Postmart's order status.
STAGE_WIRE = {
    "unpaid": "awaiting_payment", "to_confirm": "new", "to_ship": "accepted",
    "cancel_requested": "cancel_requested", "to_pickup": "ready_to_ship", "in_transit": "shipping",
    "delivery_failed": "delivery_failed", "delivered": "delivered", "cancelled": "cancelled",
    "returned": "returned",
}  # fmt: skip
WIRE_STAGE = {wire: stage for stage, wire in STAGE_WIRE.items()}
# How Postmart's seller pages name each status (its refusals name the current one).
STATUS_VI = {
    "awaiting_payment": "Chờ thanh toán", "new": "Đơn mới, chờ xác nhận",
    "accepted": "Đã xác nhận, chờ sẵn sàng giao", "cancel_requested": "Người mua yêu cầu hủy",
    "ready_to_ship": "Chờ bưu tá lấy hàng hoặc gửi tại bưu cục", "shipping": "Đang vận chuyển",
    "delivery_failed": "Phát không thành công", "delivered": "Đã giao", "cancelled": "Đã hủy",
    "returned": "Đã chuyển hoàn",
}  # fmt: skip
CANCEL_REASONS = (
    CancelReason("out_of_stock", "Hết hàng", "Out of stock"),
    CancelReason("price_error", "Sai giá sản phẩm", "Wrong price"),
    CancelReason("area_not_served", "Không giao được đến khu vực người nhận", "Cannot deliver to the area"),
    CancelReason("produce_spoiled", "Nông sản hư hỏng, không đạt chất lượng", "Produce spoiled"),
)
# Stages in which the hand-over deadline runs (a buyer's request stops no clock).
DUE_STAGES = ("to_confirm", "to_ship", "cancel_requested", "to_pickup")
HANDOVER_WIRE = {"pickup": "pickup", "dropoff": "post_office"}


def act_by(placed_at: float) -> float:
    """The deadline to hand an order placed at ``placed_at`` (epoch seconds) to Vietnam Post."""
    return placed_at + HANDOVER_WITHIN_S


def stage_act_by(stage: str, placed_at: float) -> float | None:
    """The deadline of the order's stage: one hand-over deadline for every step before it (confirming
    does not move it); None once Vietnam Post has the parcel or the order is over."""
    return act_by(placed_at) if stage in DUE_STAGES else None


def order_from_wire(body: dict) -> RemoteOrder:
    payment = str(body.get("payment_type"))
    stage = WIRE_STAGE.get(str(body.get("status")), "")
    placed_at = float(body["created_at"])
    return RemoteOrder(
        act_by=stage_act_by(stage, placed_at),
        payment=payment if payment in PAYMENTS else None,
        commune=str(body.get("ship_to_commune") or "")[:100],
        order_id=str(body["order_no"]),
        status=STAGE_STATUS.get(stage, "placed"),
        placed_at=placed_at,
        updated_at=float(body.get("updated_at") or body["created_at"]),
        amount_vnd=int(body.get("total") or 0),
        items=[
            RemoteOrderItem(str(line["product_id"]), int(line["quantity"]), int(line.get("unit_price") or 0))
            for line in body.get("lines") or []
        ],
        stage=stage,
        tracking_number=str(body.get("tracking_number") or ""),
    )


def options_from_wire(body: dict) -> ShippingOptions:
    return ShippingOptions(
        pickup=[
            PickupAddress(
                str(place["address_id"]),
                str(place.get("address") or ""),
                [
                    PickupSlot(str(slot["slot_id"]), float(slot["start"]), float(slot["end"]))
                    for slot in place.get("slots") or []
                ],
            )
            for place in body.get("pickup") or []
        ],
        dropoff=[
            DropoffBranch(
                str(office["code"]), str(office.get("name") or ""), str(office.get("address") or "")
            )
            for office in body.get("post_offices") or []
        ],
        carrier=str(body.get("carrier") or CARRIER),
    )


def choice_to_wire(choice: ShipmentChoice) -> dict:
    if choice.method == "pickup":
        return {"handover": "pickup", "address_id": choice.address_id, "slot_id": choice.slot_id}
    if choice.method == "dropoff":
        return {"handover": "post_office", "post_office_code": choice.branch_id}
    raise Rejected("Cách giao hàng không hợp lệ.", f"Unknown shipping method {choice.method!r}.")


def money_from_wire(body: dict) -> OrderMoney:
    fees, payout = body.get("fee_total"), body.get("payout")
    return OrderMoney(
        amount_vnd=int(body.get("total") or 0),
        fees_vnd=int(fees) if fees is not None else None,
        payout_vnd=int(payout) if payout is not None else None,
        paid_out=bool(body.get("paid_out")),
    )


def shipment_from_wire(order: dict) -> Shipment:
    return Shipment(str(order.get("tracking_number") or ""), str(order.get("carrier") or CARRIER))


class PostmartOrders:
    """The order calls of ``PostmartAdapter`` (``desk.OrderDesk``), over its signed ``_call``."""

    cancel_reasons = CANCEL_REASONS
    confirms = True

    async def _call(
        self,
        account: Account,
        method: str,
        path: str,
        body: dict | None = None,
        key: str | None = None,
        params: dict | None = None,
    ) -> httpx.Response:
        raise NotImplementedError  # PostmartAdapter's

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        answer = await self._call(account, "GET", "/orders", params={"updated_since": int(since)})
        return [order_from_wire(o) for o in answer.json().get("orders", [])]

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        return order_from_wire((await self._call(account, "GET", _order_path(order_id))).json())

    async def confirm_order(self, account: Account, order_id: str, idempotency_key: str) -> RemoteOrder:
        path = _order_path(order_id, "/accept")
        return order_from_wire((await self._call(account, "POST", path, {}, idempotency_key)).json())

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder:
        if reason_code not in {reason.code for reason in CANCEL_REASONS}:
            raise Rejected(
                "Lý do hủy không có trong danh sách của Postmart.", f"Unknown reason {reason_code!r}."
            )
        path, body = _order_path(order_id, "/cancel"), {"reason": reason_code}
        return order_from_wire((await self._call(account, "POST", path, body, idempotency_key)).json())

    async def answer_cancellation(
        self, account: Account, order_id: str, accept: bool, idempotency_key: str
    ) -> RemoteOrder:
        path, body = _order_path(order_id, "/cancel-request"), {"approve": accept}
        return order_from_wire((await self._call(account, "POST", path, body, idempotency_key)).json())

    async def shipping_options(self, account: Account, order_id: str) -> ShippingOptions:
        path = _order_path(order_id, "/handover-options")
        return options_from_wire((await self._call(account, "GET", path)).json())

    async def arrange_shipment(
        self, account: Account, order_id: str, choice: ShipmentChoice, idempotency_key: str
    ) -> Shipment:
        path, body = _order_path(order_id, "/ready-to-ship"), choice_to_wire(choice)
        return shipment_from_wire((await self._call(account, "POST", path, body, idempotency_key)).json())

    async def tracking(self, account: Account, order_id: str) -> Shipment:
        return shipment_from_wire((await self._call(account, "GET", _order_path(order_id))).json())

    async def shipping_label(self, account: Account, order_id: str, size: str) -> bytes:
        if size not in LABEL_SIZES:
            raise Rejected("Khổ nhãn không hợp lệ (A6 hoặc 80 mm).", f"Unknown label size {size!r}.")
        response = await self._call(account, "GET", _order_path(order_id, "/label"), params={"size": size})
        if not response.content.startswith(b"%PDF"):
            raise Retryable("The label is not a PDF.", call="GET label")
        return response.content

    async def order_money(self, account: Account, order_id: str) -> OrderMoney:
        return money_from_wire(
            (await self._call(account, "GET", _order_path(order_id, "/settlement"))).json()
        )


def _order_path(order_id: str, tail: str = "") -> str:
    return f"/orders/{quote(order_id, safe='')}{tail}"
