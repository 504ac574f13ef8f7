"""Lazada's side of the order desk (``desk.OrderDesk``), as Lazada Open Platform's API reference
publishes each call (Fulfillment API, Order API, Return and Refund API) and its guides "Order
status flow", "Fulfillment orders" / "New fulfillment API details" and "Order cancellation".

- ``GET /order/get`` (GetOrder) and ``GET /order/items/get`` (GetOrderItems): the order and its
  items (``lazada_orders``), read before every write: Lazada keeps no idempotency keys, so a step
  the order shows taken (items ``packed`` with a ``package_id``, ``ready_to_ship``, ``canceled``)
  is not taken again, and a refusal is no refusal when a re-read shows the step taken after all.
- ``GET /order/shipment/providers/get`` (GetShipmentProvider): ``getShipmentProvidersReq``
  ``{"orders": [{"order_id", "order_item_ids"}]}`` → ``result.data.platform_default`` (1: Lazada
  allocates the carrier, 0: the seller picks one of ``shipment_providers[]`` ``{"name",
  "provider_code"}``), ``shipping_allocate_type`` (TFS / NTFS, passed through to Pack).
- ``POST /order/fulfill/pack`` (Pack): ``packReq`` ``{"pack_order_list": [{"order_id",
  "order_item_list": [order_item_id…]}], "delivery_type": "dropship", "shipping_allocate_type",
  "shipment_provider_code"}`` (the code only when the seller picks) → ``result.data.pack_order_list[]
  .order_item_list[]`` with ``item_err_code`` ("0" = packed), ``package_id``, ``tracking_number``,
  ``shipment_provider``, or ``msg``. Items move ``pending`` → ``packed``.
- ``POST /order/package/rts`` (ReadyToShip): ``readyToShipReq`` ``{"packages": [{"package_id"}]}``
  → ``result.data.packages[]`` with ``item_err_code``; items move to ``ready_to_ship``, the
  carrier then collects (``shipped``, ``delivered``).
- ``GET /order/package/document/get`` (PrintAWB): ``getDocumentReq`` ``{"doc_type": "PDF",
  "packages": [{"package_id"}]}`` → ``result.data.file`` (the waybill, base64) and ``pdf_url``.
  Lazada prints one waybill format: the same PDF is answered for our A6 and 80 mm sizes.
- ``GET /order/reverse/cancel/validate`` (OrderCancelValidate): ``order_id``, ``order_item_id_list``
  → ``data.reason_options[] {"reason_id", "reason_name"}``, ``tip_type`` / ``tip_content``; then
  ``GET /order/reverse/cancel/create`` (InitReverseOrderCancel): ``order_id``,
  ``order_item_id_list``, ``reason_id``. Only items ``pending`` to ``ready_to_ship`` can be
  cancelled; "the reason_id may be different for each country", so the farmer's reason is matched
  to the options Lazada offers for this order by id, else by name.

Lazada has no confirm step (``confirms = False``): a new order is ``pending`` ("To pack"), and the
desk's "gửi hàng" (arrange_shipment) packs it and sets it ready to ship, each step skipped when the
order shows it done. Buyers' cancellation requests (``/order/reverse/cancel/seller/decide``) and
payouts (Finance API) are not mapped: the desk sees ``answer_cancellation`` / ``order_money`` absent.
"""

from __future__ import annotations

import base64
import binascii
import json

from integrations.adapters.base import Account, Rejected, RemoteOrder, Retryable
from integrations.adapters.desk import (
    LABEL_SIZES,
    CancelReason,
    DropoffBranch,
    Shipment,
    ShipmentChoice,
    ShippingOptions,
)
from integrations.adapters.lazada_orders import order_from_wire
from integrations.adapters.shopee_desk import wrong_state

ORDER = "/order/get"
ITEMS = "/order/items/get"
PROVIDERS = "/order/shipment/providers/get"
PACK = "/order/fulfill/pack"
RTS = "/order/package/rts"
DOCUMENT = "/order/package/document/get"
CANCEL_VALIDATE = "/order/reverse/cancel/validate"
CANCEL = "/order/reverse/cancel/create"
DELIVERY_TYPE = "dropship"  # the one delivery_type Pack documents
# The seller reasons of the "Order cancellation" guide's sample (Lazada VN's ids; matched by name
# when Lazada offers the same reason under another id).
CANCEL_REASONS = (
    CancelReason("10000021", "Hết hàng", "Out of Stock"),
    CancelReason("10000019", "Chậm nguồn hàng", "Sourcing Delay"),
    CancelReason("10000023", "Sai giá sản phẩm", "Wrong Price or Pricing Error"),
)
# Lazada's codes that mean "try again later" (Pack's error table: SYSTEM_ERROR, RPC_ERROR,
# GET_LOCK_FAILED; the reverse API's ROC internal error).
RETRY_CODES = {"6", "40011", "700024", "106"}
# Lazada's refusals the farmer can act on, in Vietnamese (any other: Lazada's own words).
REFUSALS = {
    "700000": "Kiện hàng không còn ở trạng thái cho phép thao tác này.",  # PACKAGE_STATUS_NOT_ALLOW_TO_OP
    "700001": "Đơn vị vận chuyển đã chọn không có: hãy chọn lại.",  # DBS_SHIPMENT_PROVIDER_CODE_NOT_EXITS
    "700016": "Gian hàng chưa đăng ký đơn vị vận chuyển trên Lazada.",  # NOT_AVAILABLE_NTFS_3PL
    "700021": "Lazada không tìm thấy đơn này.",  # ORDER_NOT_FOUND
    "700025": "Lazada không tìm thấy sản phẩm trong đơn.",  # ORDER_ITEM_NOT_FOUND
    "700026": "Sản phẩm trong đơn không còn ở trạng thái chờ đóng gói.",  # FO_ITEM_NOT_ALLOW_TO_PACK
    "700031": "Sản phẩm trong đơn chưa sẵn sàng để giao.",  # ITEM_NOT_READY_TO_FULFILL
    "4105": "Mã SKU này đã có trên gian hàng Lazada.",  # BIZ_CHECK_SELLER_SKU_DUPLICATE (CreateProduct)
    "201": "Ngành hàng Lazada không hợp lệ.",  # E201 Invalid CategoryId (CreateProduct)
    "302": "Lazada không tải được ảnh: hãy kiểm tra ảnh sản phẩm.",  # E302 Not supported URL (MigrateImage)
    "1003": "Lazada chưa phân được đơn vị vận chuyển cho đơn này.",  # E1003_3PL_ALLOCATION_FAIL
    "104": "Lazada không nhận lý do hủy này cho đơn: hãy chọn lý do khác.",  # E0104
    "122": "Lazada không cho hủy đơn này.",  # E0122: invalid trade order
    "123": "Lazada không cho hủy: đơn đã giao cho đơn vị vận chuyển hoặc đã hủy.",  # E0123
}


def refusal(code: str, message: str) -> Rejected | Retryable:
    """A Lazada refusal as the farmer reads it: our Vietnamese when we know the code, else Lazada's."""
    code = code.strip()
    if code in RETRY_CODES:
        return Retryable(f"Lazada {code}: {message}")
    reason_en = f"Refused by Lazada: {code}: {message}" if message else f"Refused by Lazada: {code}"
    known = REFUSALS.get(code)
    if known:
        return Rejected(f"{known} (Lazada: {message or code})"[:300], reason_en[:300])
    return Rejected(f"Lazada từ chối: {message or code}"[:300], reason_en[:300])


def _batch(answer: dict, entries: list[dict]) -> None:
    """Raise the first failure of a Fulfillment API batch answer (``result.success`` false, or an
    entry's ``item_err_code`` other than "0")."""
    result = answer.get("result") or {}
    if str(result.get("success", "true")).lower() == "false":
        raise refusal(str(result.get("error_code") or ""), str(result.get("error_msg") or ""))
    for entry in entries:
        if str(entry.get("item_err_code", "0")) != "0":
            raise refusal(str(entry["item_err_code"]), str(entry.get("msg") or ""))


def _packages(lines: list[dict]) -> list[str]:
    return sorted({str(line["package_id"]) for line in lines if line.get("package_id")})


def _open_items(lines: list[dict]) -> list[str]:
    return [str(line["order_item_id"]) for line in lines if line.get("status") != "canceled"]


def _shipment(lines: list[dict]) -> Shipment:
    tracking = next((str(line["tracking_code"]) for line in lines if line.get("tracking_code")), "")
    carrier = next((str(line["shipment_provider"]) for line in lines if line.get("shipment_provider")), "")
    return Shipment(tracking, carrier)


class LazadaDesk:
    """The order desk's calls; ``LazadaAdapter`` gives them its signed, classified ``_call``."""

    cancel_reasons = CANCEL_REASONS
    confirms = False

    async def _call(self, account: Account, method: str, path: str, **params: str) -> dict:
        raise NotImplementedError  # LazadaAdapter's

    async def _order(self, account: Account, order_id: str) -> tuple[RemoteOrder, list[dict]]:
        body = (await self._call(account, "GET", ORDER, order_id=order_id)).get("data") or {}
        if not body:
            raise Rejected(f"Lazada không có đơn hàng {order_id}.", f"Lazada has no order {order_id}.")
        lines = (await self._call(account, "GET", ITEMS, order_id=order_id)).get("data") or []
        return order_from_wire(body, lines), lines

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        return (await self._order(account, order_id))[0]

    async def confirm_order(self, account: Account, order_id: str, idempotency_key: str) -> RemoteOrder:
        raise Rejected(
            "Lazada không có bước xác nhận đơn: hãy đóng gói và báo sẵn sàng giao (gửi hàng) trước hạn.",
            "Lazada has no confirm step: pack the order and set it ready to ship before its SLA.",
        )

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder:
        chosen = next((r for r in CANCEL_REASONS if r.code == reason_code), None)
        if chosen is None:
            raise Rejected("Lý do hủy không có trong danh sách của Lazada.", f"Unknown reason {reason_code}.")
        order, lines = await self._order(account, order_id)
        if order.stage == "cancelled":
            return order  # cancelled already (our earlier call, whose answer was lost, or Lazada's)
        items = json.dumps(_open_items(lines))
        answer = await self._call(
            account, "GET", CANCEL_VALIDATE, order_id=order_id, order_item_id_list=items
        )
        data = answer.get("data") or {}
        if data.get("tip_type") == "error":
            tip = str(data.get("tip_content") or "")
            raise Rejected(f"Lazada không cho hủy đơn {order_id}: {tip}"[:300], f"Lazada: {tip}"[:300])
        offered = {
            str(o.get("reason_id")): str(o.get("reason_name") or "") for o in data.get("reason_options") or []
        }
        reason_id = (
            chosen.code
            if chosen.code in offered
            else next((rid for rid, name in offered.items() if name.lower() == chosen.label_en.lower()), None)
        )
        if reason_id is None:
            names = ", ".join(offered.values()) or "không có"
            raise Rejected(
                f"Lazada không nhận lý do “{chosen.label_vi}” cho đơn này (Lazada cho phép: {names})."[:300],
                f"Lazada does not offer the reason {chosen.label_en} for this order.",
            )
        try:
            await self._call(
                account, "GET", CANCEL, order_id=order_id, order_item_id_list=items, reason_id=reason_id
            )
        except Rejected:
            if (await self.fetch_order(account, order_id)).stage != "cancelled":
                raise  # not an earlier try of ours that landed first
        return await self.fetch_order(account, order_id)

    async def _providers(self, account: Account, order_id: str, lines: list[dict]) -> dict:
        request = {
            "orders": [{"order_id": int(order_id), "order_item_ids": [int(i) for i in _open_items(lines)]}]
        }
        answer = await self._call(account, "GET", PROVIDERS, getShipmentProvidersReq=json.dumps(request))
        _batch(answer, [])
        return (answer.get("result") or {}).get("data") or {}

    async def shipping_options(self, account: Account, order_id: str) -> ShippingOptions:
        order, lines = await self._order(account, order_id)
        if order.stage != "to_ship":
            raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
        packed = _shipment(lines).carrier
        if _packages(lines):  # packed already: only ready to ship remains
            return ShippingOptions(
                [], [DropoffBranch("", f"Đã đóng gói, giao cho {packed or 'Lazada'}")], packed
            )
        data = await self._providers(account, order_id, lines)
        providers = data.get("shipment_providers") or []
        if str(data.get("platform_default", "1")) == "1" or not providers:
            names = ", ".join(str(p.get("name")) for p in providers if p.get("name"))
            return ShippingOptions([], [DropoffBranch("", "Đơn vị vận chuyển do Lazada chỉ định")], names)
        branches = [
            DropoffBranch(str(p["provider_code"]), str(p.get("name") or p["provider_code"]))
            for p in providers
        ]
        return ShippingOptions([], branches)

    async def _pack(self, account: Account, order_id: str, lines: list[dict], choice: ShipmentChoice) -> None:
        if choice.method != "dropoff":
            raise Rejected(
                "Lazada không hẹn giờ lấy hàng qua API: hãy chọn “gửi hàng”, đơn vị vận chuyển của Lazada "
                "sẽ lấy hoặc nhận hàng theo cài đặt của gian hàng.",
                "Lazada's Pack takes delivery_type dropship only: choose drop-off.",
            )
        data = await self._providers(account, order_id, lines)
        request: dict = {
            "pack_order_list": [
                {"order_id": int(order_id), "order_item_list": [int(i) for i in _open_items(lines)]}
            ],
            "delivery_type": DELIVERY_TYPE,
            "shipping_allocate_type": str(data.get("shipping_allocate_type") or "TFS"),
        }
        if str(data.get("platform_default", "1")) != "1":
            codes = {str(p.get("provider_code")) for p in data.get("shipment_providers") or []}
            if choice.branch_id not in codes:
                raise Rejected(
                    "Hãy chọn đơn vị vận chuyển Lazada đưa ra.", "Choose one of Lazada's carriers."
                )
            request["shipment_provider_code"] = choice.branch_id
        answer = await self._call(account, "POST", PACK, packReq=json.dumps(request))
        data = (answer.get("result") or {}).get("data") or {}
        _batch(answer, [i for o in data.get("pack_order_list") or [] for i in o.get("order_item_list") or []])

    async def arrange_shipment(
        self, account: Account, order_id: str, choice: ShipmentChoice, idempotency_key: str
    ) -> Shipment:
        order, lines = await self._order(account, order_id)
        arranged = ("to_pickup", "in_transit", "delivery_failed", "delivered")
        if order.stage not in arranged:
            if order.stage != "to_ship":
                raise wrong_state(order, "sắp xếp vận chuyển", "arrange the shipment")
            if not _packages(lines):
                try:
                    await self._pack(account, order_id, lines, choice)
                except Rejected:
                    order, lines = await self._order(account, order_id)
                    if not _packages(lines) and order.stage not in arranged:
                        raise  # not packed by an earlier try of ours after all
                else:
                    order, lines = await self._order(account, order_id)
            if order.stage not in arranged:
                request = {"packages": [{"package_id": p} for p in _packages(lines)]}
                try:
                    answer = await self._call(account, "POST", RTS, readyToShipReq=json.dumps(request))
                    _batch(answer, ((answer.get("result") or {}).get("data") or {}).get("packages") or [])
                except Rejected:
                    if (await self.fetch_order(account, order_id)).stage not in arranged:
                        raise
            order, lines = await self._order(account, order_id)
        return _shipment(lines)

    async def tracking(self, account: Account, order_id: str) -> Shipment:
        lines = (await self._call(account, "GET", ITEMS, order_id=order_id)).get("data") or []
        return _shipment(lines)

    async def shipping_label(self, account: Account, order_id: str, size: str) -> bytes:
        if size not in LABEL_SIZES:
            raise Rejected("Khổ phiếu gửi hàng không hợp lệ (A6 hoặc 80 mm).", f"Unknown label size {size}.")
        order, lines = await self._order(account, order_id)
        packages = _packages(lines)
        if not packages or order.stage in ("cancelled", "returned"):
            raise wrong_state(order, "in phiếu gửi hàng", "print the label")
        request = {"doc_type": "PDF", "packages": [{"package_id": p} for p in packages]}
        answer = await self._call(account, "GET", DOCUMENT, getDocumentReq=json.dumps(request))
        _batch(answer, [])
        data = (answer.get("result") or {}).get("data") or {}
        try:
            pdf = base64.b64decode(str(data.get("file") or ""), validate=True)
        except (binascii.Error, ValueError):
            pdf = b""
        if not pdf.startswith(b"%PDF"):
            raise Retryable("Lazada answered PrintAWB with no PDF")
        return pdf
