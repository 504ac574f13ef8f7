"""Shopee's side of the order desk (``desk.OrderDesk``), Open Platform v2 as its API reference
publishes each call (every answer in the ``{"error", "message", "request_id", "response"}``
envelope of ``shopee``):

- ``GET  /api/v2/order/get_order_detail`` (v2.order.get_order_detail) — the order as Shopee has it
  (``shopee_orders``); read before every write, since Shopee keeps no idempotency keys.
- ``POST /api/v2/order/cancel_order`` (v2.order.cancel_order) — ``order_sn``, ``cancel_reason``
  (OUT_OF_STOCK, CUSTOMER_REQUEST, UNDELIVERABLE_AREA — TW and MY only, so not offered —,
  COD_NOT_SUPPORTED) and, "required when cancel_reason is OUT_OF_STOCK", ``item_list: [{"item_id",
  "model_id"}]``; answers ``response.update_time``. Only "before the order has been shipped".
- ``POST /api/v2/order/handle_buyer_cancellation`` (v2.order.handle_buyer_cancellation) —
  ``order_sn``, ``operation`` ACCEPT | REJECT; refused (``order.order_status_invalid``) unless the
  order is IN_CANCEL.
- ``GET  /api/v2/logistics/get_shipping_parameter?order_sn`` (v2.logistics.get_shipping_parameter) —
  ``info_needed.pickup`` / ``info_needed.dropoff`` (the keys present are the methods offered),
  ``pickup.address_list: [{"address_id", "address", "town", "district", "city", "state",
  "time_slot_list": [{"date", "time_text", "pickup_time_id"}]}]``, ``dropoff.branch_list:
  [{"branch_id", "address", "town", "district", "city", "state"}]``.
- ``POST /api/v2/logistics/ship_order`` (v2.logistics.ship_order) — ``order_sn`` and ``pickup:
  {"address_id", "pickup_time_id"}`` or ``dropoff: {"branch_id"}`` (dropoff sent even when empty,
  as the reference asks); answers nothing but the envelope.
- ``GET  /api/v2/logistics/get_tracking_number?order_sn`` (v2.logistics.get_tracking_number) —
  ``response.tracking_number``, empty until the carrier gives one (ask again later).
- ``POST /api/v2/logistics/create_shipping_document`` (v2.logistics.create_shipping_document) —
  ``order_list: [{"order_sn", "tracking_number", "shipping_document_type"}]``; then
  ``POST …/get_shipping_document_result`` (``order_list: [{"order_sn", "shipping_document_type"}]``
  → ``result_list[].status`` READY | PROCESSING | FAILED, or ``fail_error``
  ``logistics.shipping_document_should_print_first`` when none was created), then
  ``POST …/download_shipping_document`` (``shipping_document_type``, ``order_list: [{"order_sn"}]``)
  — the waybill file itself, or the error envelope. ``shipping_document_type`` (Data Definition,
  ShippingDocumentType): NORMAL_AIR_WAYBILL for an A6 sheet, THERMAL_AIR_WAYBILL for an 80 mm roll.
- ``GET  /api/v2/payment/get_escrow_detail?order_sn`` (v2.payment.get_escrow_detail) —
  ``response.order_income``: ``escrow_amount`` (what the seller is expected to receive),
  ``commission_fee``, ``service_fee``, ``seller_transaction_fee``, ``cost_of_goods_sold``. Shopee
  releases the escrow when the order is COMPLETED.

Shopee has no accept step: a paid (or COD) order is READY_TO_SHIP at once. Each write reads the
order first: a step already taken (a cancel of a CANCELLED order, a ship_order of a PROCESSED one)
answers the order as it is now; a step the order's state no longer allows is refused in Vietnamese
naming that state, before Shopee is asked.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from integrations.adapters.base import Account, Rejected, RemoteOrder, Retryable
from integrations.adapters.desk import (
    CancelReason,
    DropoffBranch,
    OrderMoney,
    PickupAddress,
    PickupSlot,
    Shipment,
    ShipmentChoice,
    ShippingOptions,
)
from integrations.adapters.shopee_orders import DETAIL, DETAIL_FIELDS, order_from_wire

CANCEL = "/api/v2/order/cancel_order"
HANDLE_CANCELLATION = "/api/v2/order/handle_buyer_cancellation"
SHIPPING_PARAMETER = "/api/v2/logistics/get_shipping_parameter"
SHIP = "/api/v2/logistics/ship_order"
TRACKING = "/api/v2/logistics/get_tracking_number"
CREATE_DOCUMENT = "/api/v2/logistics/create_shipping_document"
DOCUMENT_RESULT = "/api/v2/logistics/get_shipping_document_result"
DOWNLOAD_DOCUMENT = "/api/v2/logistics/download_shipping_document"
ESCROW = "/api/v2/payment/get_escrow_detail"

# The seller's cancel reasons v2.order.cancel_order takes in Vietnam.
CANCEL_REASONS = (
    CancelReason("OUT_OF_STOCK", "Hết hàng", "Out of stock"),
    CancelReason("CUSTOMER_REQUEST", "Người mua yêu cầu hủy", "Customer request"),
    CancelReason("COD_NOT_SUPPORTED", "Không nhận thanh toán khi giao hàng (COD)", "COD not supported"),
)
DOCUMENT_TYPE = {"a6": "NORMAL_AIR_WAYBILL", "80mm": "THERMAL_AIR_WAYBILL"}
NOT_CREATED = "logistics.shipping_document_should_print_first"
UNARRANGED = ("unpaid", "to_ship", "cancel_requested", "cancelled")  # no carrier, no tracking number
# Where the order stands, in the words the farmer reads in a refusal.
STAGE_VI = {
    "unpaid": "người mua chưa thanh toán", "to_confirm": "chờ xác nhận", "to_ship": "chờ gửi hàng",
    "cancel_requested": "người mua đang yêu cầu hủy", "to_pickup": "đã sắp xếp vận chuyển, chờ lấy hàng",
    "in_transit": "đang giao", "delivery_failed": "giao không thành công", "delivered": "đã giao",
    "cancelled": "đã hủy", "returned": "đang trả hàng",
}  # fmt: skip
# Shopee's refusals the farmer can act on, in Vietnamese (any other: Shopee's own message).
REFUSALS = {
    "order.order_status_invalid": "Đơn không còn ở trạng thái người mua yêu cầu hủy.",
    "order.cancel_order_invalid_status": "Đơn không còn ở trạng thái người mua yêu cầu hủy.",
    "order.error_limit": "Shopee không cho hủy đơn này nữa (đơn đã được gửi đi?).",
    "logistics.ship_order_not_ready_to_ship": "Đơn chưa sẵn sàng để gửi hàng.",
    "logistics.ship_order_pickup_time_invalid": "Khung giờ lấy hàng không hợp lệ: hãy chọn lại.",
    "logistics.ship_order_unsupport_pickup": "Đơn này không hỗ trợ lấy hàng tận nơi: hãy gửi tại bưu cục.",
    "logistics.ship_order_unsupport_dropoff": "Đơn này không hỗ trợ gửi tại bưu cục: hãy hẹn lấy hàng.",
    "logistics.ship_order_need_address_pickup_time": "Hãy chọn địa chỉ và khung giờ lấy hàng.",
    "logistics.ship_order_need_branch_id": "Hãy chọn bưu cục gửi hàng.",
    "logistics.no_available_time_slot": "Shopee không còn khung giờ lấy hàng: hãy gửi tại bưu cục.",
    "logistics.order_status_error": "Đơn chưa thể in phiếu gửi hàng ở trạng thái này.",
    "logistics.package_can_not_print": "Chưa in được phiếu gửi hàng: hãy thử lại sau ít phút.",
}


def refusal(error: str, message: str) -> Rejected:
    """A Shopee refusal as the farmer reads it: our Vietnamese when we know the error, else Shopee's words."""
    error = error.strip()
    reason_en = f"Refused by Shopee: {error}: {message}" if message else f"Refused by Shopee: {error}"
    known = REFUSALS.get(error)
    if known:
        return Rejected(f"{known} (Shopee: {message or error})"[:300], reason_en)
    return Rejected(f"Shopee từ chối: {message or error}", reason_en)


def wrong_state(order: RemoteOrder, step_vi: str, step_en: str) -> Rejected:
    state = STAGE_VI.get(order.stage, order.stage)
    return Rejected(
        f"Không thể {step_vi}: đơn {order.order_id} hiện {state}.",
        f"Cannot {step_en}: order {order.order_id} is {order.stage}.",
    )


def _place(entry: dict) -> str:
    parts = (entry.get(key) for key in ("address", "town", "district", "city", "state"))
    return ", ".join(str(part) for part in parts if part)[:300]


def options_from_wire(answer: dict, carrier: str) -> ShippingOptions:
    needed = answer.get("info_needed") or {}
    # A method is offered when info_needed names it with what it needs or its options are given (the
    # reference's sample names "dropoff": [] beside "dropoff": null: not offered).
    offered = {way for way in ("pickup", "dropoff") if way in needed and (needed[way] or answer.get(way))}
    pickup, dropoff = [], []
    if "pickup" in offered:
        for address in (answer.get("pickup") or {}).get("address_list") or []:
            slots = [
                # A slot is a pickup date (time_text, when given, is the carrier's words for it).
                PickupSlot(str(slot["pickup_time_id"]), float(slot["date"]), float(slot["date"]) + 86400)
                for slot in address.get("time_slot_list") or []
            ]
            pickup.append(PickupAddress(str(address["address_id"]), _place(address), slots))
    if "dropoff" in offered:
        branches = (answer.get("dropoff") or {}).get("branch_list") or []
        dropoff = [
            DropoffBranch(str(b["branch_id"]), str(b.get("town") or b.get("district") or ""), _place(b))
            for b in branches
        ] or [DropoffBranch("", f"Bất kỳ bưu cục nào của {carrier or 'đơn vị vận chuyển'}")]
    return ShippingOptions(pickup=pickup, dropoff=dropoff, carrier=carrier)


class ShopeeDesk:
    """The order desk's calls; ``ShopeeAdapter`` gives them its signed, classified ``_shop`` call."""

    cancel_reasons = CANCEL_REASONS
    confirms = False
    # The shipping document is made by a task: how often and how long to wait for it to be READY.
    label_poll_s = 1.0
    label_polls = 5

    async def _shop(self, account: Account, method: str, path: str, **kwargs) -> dict:
        raise NotImplementedError  # ShopeeAdapter's

    async def _detail(self, account: Account, order_id: str) -> dict:
        params = {"order_sn_list": order_id, "response_optional_fields": DETAIL_FIELDS}
        answer = await self._shop(account, "GET", DETAIL, params=params)
        found = [
            o for o in (answer.get("response") or {}).get("order_list") or [] if o["order_sn"] == order_id
        ]
        if not found:
            raise Rejected(f"Shopee không có đơn hàng {order_id}.", f"Shopee has no order {order_id}.")
        return found[0]

    async def _write(
        self, account: Account, order_id: str, path: str, request: dict, taken: Callable[[str], bool]
    ) -> None:
        """A write whose refusal is no refusal when the order shows the step ``taken`` after all: an
        earlier attempt (its answer lost, or still on its way when we asked again) landed first."""
        try:
            await self._shop(account, "POST", path, json=request)
        except Rejected:
            if not taken(order_from_wire(await self._detail(account, order_id)).stage):
                raise

    async def _tracking_number(self, account: Account, order_id: str) -> str:
        answer = await self._shop(account, "GET", TRACKING, params={"order_sn": order_id})
        return str((answer.get("response") or {}).get("tracking_number") or "")

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        if order.stage in UNARRANGED:
            return order  # no shipment arranged: no tracking number to ask for
        return order_from_wire(body, await self._tracking_number(account, order_id))

    async def confirm_order(self, account: Account, order_id: str, idempotency_key: str) -> RemoteOrder:
        raise Rejected(
            "Shopee không có bước xác nhận đơn: đơn đã thanh toán (hoặc COD) chờ gửi hàng ngay, "
            "hãy sắp xếp vận chuyển trước hạn gửi hàng.",
            "Shopee has no confirm step: arrange the shipment before the ship-by date.",
        )

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder:
        if reason_code not in {reason.code for reason in CANCEL_REASONS}:
            raise Rejected("Lý do hủy không có trong danh sách của Shopee.", f"Unknown reason {reason_code}.")
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        if order.stage == "cancelled":
            return order  # already cancelled (our earlier call, whose answer was lost, or Shopee's)
        if order.stage == "cancel_requested":
            raise Rejected(
                f"Người mua đang yêu cầu hủy đơn {order_id}: hãy chấp nhận yêu cầu thay vì tự hủy.",
                "The buyer asked to cancel: accept the request instead.",
            )
        if order.stage not in ("unpaid", "to_ship", "to_pickup"):
            raise wrong_state(order, "hủy đơn", "cancel")
        request: dict = {"order_sn": order_id, "cancel_reason": reason_code}
        if reason_code == "OUT_OF_STOCK":
            request["item_list"] = [
                {"item_id": int(line["item_id"]), "model_id": int(line.get("model_id") or 0)}
                for line in body.get("item_list") or []
            ]
        await self._write(account, order_id, CANCEL, request, lambda stage: stage == "cancelled")
        return await self.fetch_order(account, order_id)

    async def answer_cancellation(
        self, account: Account, order_id: str, accept: bool, idempotency_key: str
    ) -> RemoteOrder:
        order = order_from_wire(await self._detail(account, order_id))
        if order.stage != "cancel_requested":
            if (order.stage == "cancelled") == accept:
                return order  # answered already: accepted and cancelled, or rejected and going on
            step = ("chấp nhận", "accept") if accept else ("từ chối", "reject")
            raise wrong_state(order, f"{step[0]} yêu cầu hủy", f"{step[1]} the cancellation")
        operation = "ACCEPT" if accept else "REJECT"
        request = {"order_sn": order_id, "operation": operation}
        await self._write(
            account, order_id, HANDLE_CANCELLATION, request, lambda stage: (stage == "cancelled") == accept
        )
        return await self.fetch_order(account, order_id)

    async def shipping_options(self, account: Account, order_id: str) -> ShippingOptions:
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        if order.stage != "to_ship":
            raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
        answer = await self._shop(account, "GET", SHIPPING_PARAMETER, params={"order_sn": order_id})
        return options_from_wire(answer.get("response") or {}, _carrier(body))

    async def arrange_shipment(
        self, account: Account, order_id: str, choice: ShipmentChoice, idempotency_key: str
    ) -> Shipment:
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        arranged = ("to_pickup", "in_transit", "delivery_failed", "delivered")
        if order.stage not in arranged:
            if order.stage != "to_ship":
                raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
            request = {"order_sn": order_id} | _ship_body(choice)
            await self._write(account, order_id, SHIP, request, lambda stage: stage in arranged)
        return Shipment(await self._tracking_number(account, order_id), _carrier(body))

    async def tracking(self, account: Account, order_id: str) -> Shipment:
        return Shipment(await self._tracking_number(account, order_id))

    async def shipping_label(self, account: Account, order_id: str, size: str) -> bytes:
        if size not in DOCUMENT_TYPE:
            raise Rejected("Khổ phiếu gửi hàng không hợp lệ (A6 hoặc 80 mm).", f"Unknown label size {size}.")
        kind = DOCUMENT_TYPE[size]
        tracking_number = await self._tracking_number(account, order_id)
        if not tracking_number:
            order = order_from_wire(await self._detail(account, order_id))
            if order.stage in UNARRANGED:
                raise wrong_state(order, "in phiếu gửi hàng", "print the label")
            raise Retryable("Shopee: the carrier has given no tracking number yet")
        status = await self._document_status(account, order_id, kind)
        if status == NOT_CREATED:  # none made yet (a repeat finds the first one, READY)
            created = {
                "order_sn": order_id,
                "tracking_number": tracking_number,
                "shipping_document_type": kind,
            }
            answer = await self._shop(account, "POST", CREATE_DOCUMENT, json={"order_list": [created]})
            for result in (answer.get("response") or {}).get("result_list") or []:
                if result.get("fail_error"):
                    raise refusal(str(result["fail_error"]), str(result.get("fail_message") or ""))
        for _ in range(self.label_polls):
            if status == "READY":
                break
            await asyncio.sleep(self.label_poll_s)
            status = await self._document_status(account, order_id, kind)
        else:
            raise Retryable("Shopee is still making the shipping document")
        request = {"shipping_document_type": kind, "order_list": [{"order_sn": order_id}]}
        answer = await self._shop(account, "POST", DOWNLOAD_DOCUMENT, json=request, raw=True)
        waybill = answer.get("waybill")
        if not isinstance(waybill, bytes) or not waybill.startswith(b"%PDF"):
            raise Retryable("Shopee answered the waybill download with no PDF")
        return waybill

    async def _document_status(self, account: Account, order_id: str, kind: str) -> str:
        """READY, PROCESSING, or NOT_CREATED; a FAILED task is Shopee's refusal."""
        request = {"order_list": [{"order_sn": order_id, "shipping_document_type": kind}]}
        answer = await self._shop(account, "POST", DOCUMENT_RESULT, json=request)
        results = (answer.get("response") or {}).get("result_list") or [{}]
        error, status = str(results[0].get("fail_error") or ""), str(results[0].get("status") or "")
        if error == NOT_CREATED or (not error and not status):
            return NOT_CREATED
        if error or status == "FAILED":
            raise refusal(
                error or "logistics.package_can_not_print", str(results[0].get("fail_message") or "")
            )
        return status

    async def order_money(self, account: Account, order_id: str) -> OrderMoney:
        body = await self._detail(account, order_id)
        answer = await self._shop(account, "GET", ESCROW, params={"order_sn": order_id})
        income = (answer.get("response") or {}).get("order_income") or {}
        fee_fields = ("commission_fee", "service_fee", "seller_transaction_fee")
        fees = [income[key] for key in fee_fields if income.get(key) is not None]
        payout = income.get("escrow_amount")
        return OrderMoney(
            amount_vnd=round(income.get("cost_of_goods_sold") or body.get("total_amount") or 0),
            fees_vnd=round(sum(fees)) if fees else None,
            payout_vnd=round(payout) if payout is not None else None,
            paid_out=body.get("order_status") == "COMPLETED",  # the escrow is released then
        )


def _carrier(body: dict) -> str:
    packages = body.get("package_list") or [{}]
    return str(packages[0].get("shipping_carrier") or body.get("shipping_carrier") or "")


_SHOPEE_ID = re.compile("[0-9]{1,18}")  # Shopee's ids are int64; not \d (any script's digits)


def _ship_body(choice: ShipmentChoice) -> dict:
    if choice.method == "pickup":
        if not _SHOPEE_ID.fullmatch(choice.address_id):
            raise Rejected("Hãy chọn địa chỉ lấy hàng.", "Choose a pickup address.")
        pickup: dict = {"address_id": int(choice.address_id)}
        return {"pickup": pickup | ({"pickup_time_id": choice.slot_id} if choice.slot_id else {})}
    if choice.method == "dropoff":
        return {
            "dropoff": {"branch_id": int(choice.branch_id)} if _SHOPEE_ID.fullmatch(choice.branch_id) else {}
        }
    raise Rejected("Hãy chọn lấy hàng tận nơi hoặc gửi tại bưu cục.", f"Unknown method {choice.method}.")
