"""The order desk's calls on TikTok Shop (Partner API 202309, partner.tiktokshop.com/docv2): each is
the guide page of that name (public copy checked: github.com/lazykern/ecommerce-api-docs,
``data/raw/tiktok/api-reference/{orders,fulfillment,return-and-refund}``).

- Order API "Get Order Detail": ``GET /order/202309/orders?ids=…`` → ``data.orders[]`` (read by
  ``tiktok_orders.order_from_wire``); besides the status it gives ``packages[].id``,
  ``line_items[].package_id`` / ``package_status`` (TO_FULFILL, PROCESSING, FULFILLING, COMPLETED,
  CANCELLED), ``warehouse_id``, ``shipping_provider`` and ``tracking_number``.
- Return and Refund API "Cancel Order": ``POST /return_refund/202309/cancellations`` with
  ``{"order_id", "cancel_reason"}``. The reason keys are the "Cancel reasons" appendix's (VN market,
  "Seller Initiates Cancel Reason"): ``seller_cancel_unpaid_reason_out_of_stock`` while UNPAID,
  ``seller_cancel_reason_out_of_stock`` and ``seller_cancel_paid_reason_address_not_deliver`` at
  ON_HOLD and AWAITING_SHIPMENT; a key not matching the status is ``25001021``.
- "Search Cancellations": ``POST /return_refund/202309/cancellations/search`` body ``{"order_ids"}``
  → ``data.cancellations[]``: ``cancel_id``, ``cancel_type`` (BUYER_CANCEL), ``cancel_status``
  (CANCELLATION_REQUEST_PENDING while the seller must answer); then "Approve Cancellation"
  ``POST /return_refund/202309/cancellations/{cancel_id}/approve?idempotency_key=`` (TikTok keeps this
  key: our action's key is sent). An order with ``is_buyer_request_cancel`` is at the desk's
  ``cancel_requested``. "Reject Cancellation" (``POST …/cancellations/{cancel_id}/reject``) needs a
  ``reject_reason`` from the "Cancel reasons" appendix (VN market, "Seller Reject Cancel Request
  Reason": ``order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason``,
  ``…_reject_reason_delivered``, ``…_reject_reason_buyer_agree``,
  ``seller_reject_apply_product_has_been_packed``). The desk's reject carries no reason the farmer
  chose, so rejecting is still sent to Seller Center rather than picking one for them.
- Fulfillment API "Get Package Handover Time Slots":
  ``GET /fulfillment/202309/packages/{package_id}/handover_time_slots`` → ``can_pickup``,
  ``can_drop_off``, ``pickup_slots[]: {start_time, end_time, avaliable}`` (TikTok's spelling) and
  ``drop_off_point_url`` (where the drop-off points are shown).
- "Ship Package": ``POST /fulfillment/202309/packages/{package_id}/ship`` with ``handover_method``
  PICKUP (and ``pickup_slot {start_time, end_time}``) or DROP_OFF; ``self_shipment`` is for
  seller-shipped packages, which our farmers do not use (TikTok Shipping only). The order moves
  AWAITING_SHIPMENT → AWAITING_COLLECTION, the package to PROCESSING.
- "Get Package Detail": ``GET /fulfillment/202309/packages/{package_id}`` → ``package_status``,
  ``tracking_number``, ``shipping_provider_name``, ``handover_method``.
- "Get Package Shipping Document":
  ``GET /fulfillment/202309/packages/{package_id}/shipping_documents?document_type&document_size``
  → ``data.doc_url`` (valid 24 hours, fetched at once without TikTok's signature) and
  ``data.tracking_number``. ``SHIPPING_LABEL`` with ``document_size`` A6 for an A6 sheet; an 80 mm
  roll gets ``SHIPPING_LABEL_PICTURE`` (PNG) placed on a 72 mm-wide PDF page (TikTok makes PDFs only
  in A6 and A5). Its error codes (as the guide lists them): 11034037 the document is still being made
  (asked again), 21023035 / 21042104 shipment not arranged, 21023046 / 21042102 already picked up
  (printing blocked), 11034002 / 21008017 a seller-shipped order, 21021010 an after-sale request open.
- "Mark Package As Shipped" (``POST /fulfillment/202309/orders/{order_id}/packages``) is for sellers
  shipping with their own carrier in the US, UK and EU only: not used in Việt Nam.

TikTok keeps no idempotency key, so every write reads first and skips a step already taken: an
order already CANCELLED is not cancelled again; a package no longer TO_FULFILL is not shipped again
(a retry after a lost answer finds it PROCESSING and answers its tracking number); a refused write
is read again and taken as done when the order shows it. TikTok has no confirm step
(``confirms = False``). Statuses → desk stages: ``tiktok_orders``. The codes 21011001 (pickup slot no
longer offered) and 21011002 (handover method not offered) are the simulator's own: the guide pages
read name none for Ship Package; the adapter shows any other refusal in TikTok's words.
"""

from __future__ import annotations

import asyncio
import io
from urllib.parse import urlsplit

import httpx
from PIL import Image

from agrimarket.text import ascii_digits
from integrations.adapters.base import Account, Rejected, RemoteOrder, Retryable
from integrations.adapters.desk import (
    CancelReason,
    DropoffBranch,
    PickupAddress,
    PickupSlot,
    Shipment,
    ShipmentChoice,
    ShippingOptions,
)
from integrations.adapters.tiktok_orders import order_from_wire

DETAIL = "/order/202309/orders"
CANCEL = "/return_refund/202309/cancellations"
PACKAGE = "/fulfillment/202309/packages/{}"
TIME_SLOTS = PACKAGE + "/handover_time_slots"
SHIP = PACKAGE + "/ship"
DOCUMENTS = PACKAGE + "/shipping_documents"
CANCELLATIONS = "/return_refund/202309/cancellations/search"
APPROVE = "/return_refund/202309/cancellations/{}/approve"
CANCEL_REASONS = (
    CancelReason("seller_cancel_reason_out_of_stock", "Hết hàng", "Out of stock"),
    CancelReason(
        "seller_cancel_paid_reason_address_not_deliver",
        "Không giao được tới địa chỉ này",
        "Cannot deliver to this address",
    ),
)
# The key TikTok takes for an order not paid yet (its reasons differ by the order's status).
UNPAID_KEY = {"seller_cancel_reason_out_of_stock": "seller_cancel_unpaid_reason_out_of_stock"}
# Label size -> Get Package Shipping Document's query.
DOCUMENT = {
    "a6": {"document_type": "SHIPPING_LABEL", "document_size": "A6", "document_format": "PDF"},
    "80mm": {"document_type": "SHIPPING_LABEL_PICTURE"},
}
ROLL_PX, ROLL_DPI = 575, 203  # an 80 mm roll's 72 mm printable width at a thermal printer's 203 dpi
DOCUMENT_MAX = 5_000_000
LABEL_PIXELS_MAX = 4_000 * 6_000
GENERATING = 11034037
ARRANGED = ("to_pickup", "in_transit", "delivery_failed", "delivered")
UNARRANGED = ("unpaid", "on_hold", "to_ship", "cancel_requested", "cancelled")
STAGE_VI = {
    "unpaid": "người mua chưa thanh toán", "on_hold": "đang tạm giữ (người mua còn được hủy)",
    "to_ship": "chờ gửi hàng", "to_pickup": "đã sắp xếp vận chuyển, chờ lấy hàng",
    "in_transit": "đang giao", "delivery_failed": "giao không thành công", "delivered": "đã giao",
    "cancelled": "đã hủy", "returned": "bị trả lại",
}  # fmt: skip
# TikTok's refusals the farmer can act on, in Vietnamese (any other: TikTok's own message).
REFUSALS = {
    21023035: "Chưa sắp xếp vận chuyển: hãy gửi hàng trước khi in nhãn.",
    21042104: "Chưa sắp xếp vận chuyển: hãy gửi hàng trước khi in nhãn.",
    21023046: "Đơn vị vận chuyển đã lấy kiện hàng: không in lại nhãn được nữa.",
    21042102: "Đơn vị vận chuyển đã lấy kiện hàng: không in lại nhãn được nữa.",
    11034002: "Đơn do người bán tự vận chuyển: TikTok không in nhãn cho đơn này.",
    21008017: "Đơn do người bán tự vận chuyển: TikTok không in nhãn cho đơn này.",
    21021010: "Người mua đang yêu cầu trả hàng/hoàn tiền: hãy xử lý yêu cầu đó trước.",
    21011001: "Khung giờ lấy hàng này không còn: hãy chọn khung giờ khác.",
    21011002: "TikTok không nhận cách giao này cho đơn: hãy chọn cách khác.",
    21011003: "Kiện hàng không còn chờ gửi (đã gửi, đã hủy hoặc người mua đang yêu cầu hủy).",
}


class TiktokRefusal(Rejected):
    """TikTok answered a non-zero ``code``: the farmer reads it in Vietnamese when we know it."""

    def __init__(self, code: object, message: str) -> None:
        known = REFUSALS.get(code) if isinstance(code, int) else None
        said = message or str(code)
        reason_vi = f"{known} (TikTok: {said})" if known else f"TikTok Shop từ chối: {said}"
        super().__init__(reason_vi[:300], f"TikTok Shop refused: {said}"[:300])
        self.code = code


def wrong_state(order: RemoteOrder, step_vi: str, step_en: str) -> Rejected:
    state = STAGE_VI.get(order.stage, order.stage)
    return Rejected(
        f"Không thể {step_vi}: đơn {order.order_id} hiện {state}.",
        f"Cannot {step_en}: order {order.order_id} is {order.stage}.",
    )


def package_of(body: dict) -> tuple[str, str]:
    """(package id, its status) of a one-package order (our farmers' orders are one parcel)."""
    lines = body.get("line_items") or [{}]
    package = str(((body.get("packages") or [{}])[0]).get("id") or lines[0].get("package_id") or "")
    if not package:
        raise Retryable("TikTok has made no package for this order yet")
    return package, str(lines[0].get("package_status") or "")


class TiktokDesk:
    """The order desk's calls; ``TiktokAdapter`` gives them its signed, classified ``_shop`` call."""

    cancel_reasons = CANCEL_REASONS
    confirms = False
    # The shipping document is made by TikTok's carrier: how often and how long to ask again.
    label_poll_s = 1.0
    label_polls = 5
    client: httpx.AsyncClient

    async def _shop(self, account: Account, method: str, path: str, **kwargs) -> dict:
        raise NotImplementedError  # TiktokAdapter's

    async def _detail(self, account: Account, order_id: str) -> dict:
        answer = await self._shop(account, "GET", DETAIL, params={"ids": order_id})
        orders = (answer.get("data") or {}).get("orders") or []
        if not orders:
            raise Rejected("TikTok Shop không có đơn hàng này.", "TikTok Shop has no such order.")
        return orders[0]

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        return order_from_wire(await self._detail(account, order_id))

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder:
        if reason_code not in {reason.code for reason in CANCEL_REASONS}:
            raise Rejected("Lý do hủy không hợp lệ.", f"Unknown cancellation reason {reason_code}.")
        body = await self._detail(account, order_id)
        if body.get("status") == "CANCELLED":
            return order_from_wire(body)  # our earlier try's answer was lost, or the buyer cancelled
        if body.get("status") == "UNPAID":
            if reason_code not in UNPAID_KEY:
                raise Rejected(
                    "Đơn chưa thanh toán chỉ hủy được với lý do “Hết hàng”.",
                    "An unpaid order can only be cancelled as out of stock.",
                )
            reason_code = UNPAID_KEY[reason_code]
        request = {"order_id": order_id, "cancel_reason": reason_code}
        try:
            await self._shop(account, "POST", CANCEL, json=request)
        except Rejected:
            if (await self.fetch_order(account, order_id)).stage != "cancelled":
                raise
        return await self.fetch_order(account, order_id)

    async def answer_cancellation(
        self, account: Account, order_id: str, accept: bool, idempotency_key: str
    ) -> RemoteOrder:
        order = await self.fetch_order(account, order_id)
        if order.stage != "cancel_requested":
            if (order.stage == "cancelled") == accept:
                return order  # answered already (our earlier call, its answer lost)
            raise wrong_state(order, "trả lời yêu cầu hủy", "answer the cancellation")
        if not accept:
            raise Rejected(
                "Từ chối yêu cầu hủy trên TikTok Shop cần một lý do trong danh sách của TikTok: "
                "hãy từ chối trong TikTok Seller Center (hoặc chấp nhận tại đây).",
                "Rejecting needs one of TikTok's reject reasons: reject it in TikTok Seller Center.",
            )
        found = await self._shop(
            account, "POST", CANCELLATIONS, params={"page_size": 10}, json={"order_ids": [order_id]}
        )
        pending = [
            c
            for c in (found.get("data") or {}).get("cancellations") or []
            if c.get("cancel_type") == "BUYER_CANCEL"
            and c.get("cancel_status") == "CANCELLATION_REQUEST_PENDING"
        ]
        if pending:
            key = {"idempotency_key": idempotency_key[:255]}
            await self._shop(account, "POST", APPROVE.format(pending[0]["cancel_id"]), params=key, json={})
        return await self.fetch_order(account, order_id)

    async def shipping_options(self, account: Account, order_id: str) -> ShippingOptions:
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        if order.stage != "to_ship":
            raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
        package, _ = package_of(body)
        slots = (await self._shop(account, "GET", TIME_SLOTS.format(package))).get("data") or {}
        carrier = str(body.get("shipping_provider") or "")
        pickup = []
        if slots.get("can_pickup"):
            offered = [
                PickupSlot(f"{s['start_time']}-{s['end_time']}", float(s["start_time"]), float(s["end_time"]))
                for s in slots.get("pickup_slots") or []
                if s.get("avaliable", True)
            ]
            # TikTok's carrier picks up at the shop's registered pickup address (its warehouse).
            where = "Địa chỉ lấy hàng của shop trên TikTok Shop"
            pickup = [PickupAddress(str(body.get("warehouse_id") or "shop"), where, offered)]
        dropoff = []
        if slots.get("can_drop_off"):
            name = f"Điểm gửi hàng của {carrier or 'đơn vị vận chuyển'}"
            dropoff = [DropoffBranch("", name, str(slots.get("drop_off_point_url") or ""))]
        return ShippingOptions(pickup=pickup, dropoff=dropoff, carrier=carrier)

    async def arrange_shipment(
        self, account: Account, order_id: str, choice: ShipmentChoice, idempotency_key: str
    ) -> Shipment:
        request = _ship_body(choice)
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        package, status = package_of(body)
        if order.stage not in ARRANGED and status == "TO_FULFILL":
            if order.stage != "to_ship":
                raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
            try:
                await self._shop(account, "POST", SHIP.format(package), json=request)
            except Rejected:  # an earlier attempt (its answer lost) may have landed first
                if package_of(await self._detail(account, order_id))[1] == "TO_FULFILL":
                    raise
        elif order.stage not in ARRANGED:
            raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
        return await self._package_shipment(account, package)

    async def _package_shipment(self, account: Account, package: str) -> Shipment:
        data = (await self._shop(account, "GET", PACKAGE.format(package))).get("data") or {}
        return Shipment(str(data.get("tracking_number") or ""), str(data.get("shipping_provider_name") or ""))

    async def tracking(self, account: Account, order_id: str) -> Shipment:
        body = await self._detail(account, order_id)
        return Shipment(str(body.get("tracking_number") or ""), str(body.get("shipping_provider") or ""))

    async def shipping_label(self, account: Account, order_id: str, size: str) -> bytes:
        if size not in DOCUMENT:
            raise Rejected("Khổ phiếu gửi hàng không hợp lệ (A6 hoặc 80 mm).", f"Unknown label size {size}.")
        body = await self._detail(account, order_id)
        order = order_from_wire(body)
        if order.stage in UNARRANGED:
            raise wrong_state(order, "in phiếu gửi hàng", "print the label")
        package, _ = package_of(body)
        for attempt in range(self.label_polls):
            try:
                answer = await self._shop(account, "GET", DOCUMENTS.format(package), params=DOCUMENT[size])
                break
            except TiktokRefusal as exc:
                if exc.code != GENERATING or attempt == self.label_polls - 1:
                    if exc.code == GENERATING:
                        raise Retryable("TikTok is still making the shipping document") from exc
                    raise
            await asyncio.sleep(self.label_poll_s)
        document = await self._download(str((answer.get("data") or {}).get("doc_url") or ""))
        return document if size == "a6" else roll_pdf(document)

    async def _download(self, url: str) -> bytes:
        """The document at TikTok's short-lived URL; only https, or the API host itself (the
        simulator), so an answer cannot make us fetch from inside our network."""
        parts, base = urlsplit(url), self.client.base_url
        if parts.scheme != "https" and (parts.scheme, parts.netloc) != (base.scheme, base.netloc.decode()):
            raise Retryable(f"TikTok answered no usable document URL: {url[:80]!r}")
        try:
            response = await self.client.get(url)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Retryable(f"TikTok document download: {type(exc).__name__}") from exc
        content = response.content
        if response.status_code != 200 or len(content) > DOCUMENT_MAX:
            raise Retryable(f"TikTok document download answered {response.status_code}")
        if not content.startswith((b"%PDF", b"\x89PNG")):
            raise Retryable("TikTok's document is neither a PDF nor a PNG")
        return content


def roll_pdf(document: bytes) -> bytes:
    """TikTok's PNG label on a one-page PDF 72 mm wide (an 80 mm roll's printable width)."""
    if document.startswith(b"%PDF"):
        return document
    with Image.open(io.BytesIO(document)) as picture:
        if picture.width * picture.height > LABEL_PIXELS_MAX:  # before decoding a bomb
            raise Retryable("TikTok's label picture is too large")
        label = picture.convert("L")
    height = round(label.height * ROLL_PX / label.width)
    out = io.BytesIO()
    label.resize((ROLL_PX, height)).save(out, format="PDF", resolution=ROLL_DPI)
    return out.getvalue()


def _ship_body(choice: ShipmentChoice) -> dict:
    if choice.method == "dropoff":
        return {"handover_method": "DROP_OFF"}
    if choice.method == "pickup":
        start, _, end = choice.slot_id.partition("-")
        if not (ascii_digits(start) and ascii_digits(end)):
            raise Rejected("Hãy chọn khung giờ lấy hàng.", "Choose a pickup time slot.")
        return {"handover_method": "PICKUP", "pickup_slot": {"start_time": int(start), "end_time": int(end)}}
    raise Rejected(
        "Hãy chọn lấy hàng tận nơi hoặc gửi tại điểm gửi hàng.", f"Unknown method {choice.method}."
    )
