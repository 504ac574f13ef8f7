"""Shopee's order-desk calls in the simulator, as the adapter's ``shopee_desk`` module documents them
(paths, parameters, ``order_status`` and the API reference's error names), over the shared seller
steps of ``desk``.

Writes (cancel_order, handle_buyer_cancellation, ship_order, create_shipping_document) go through the
simulator's ``write`` (faults played like every other write); each applied one is counted in
``state.desk_applied`` by (order_sn, call) and pushed to the seller as an order change. Shopee keeps
no idempotency keys: a repeated write meets the order's new state and is refused as Shopee would.
Every call first runs the auto-cancel (``desk.expire``) on the simulator's clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from litestar import Request, Response, get, post

from integrations.adapters import shopee_desk as contract
from integrations.simulators import desk
from integrations.simulators import orders as order_book
from integrations.simulators.shopee_orders import own_order

# The shop's pickup addresses and the carrier's drop-off branches the simulator offers.
ADDRESSES = (
    (3001, "Thôn Đông, Xã Tân Phú", "Xã Tân Phú", "Huyện Đông Anh", "Hà Nội"),
    (3002, "Kho hợp tác xã, Phường Ninh Kiều", "Phường Ninh Kiều", "Quận Ninh Kiều", "Cần Thơ"),
)
BRANCHES = (
    (7001, "SPX Bưu cục Đông Anh, 12 Cao Lỗ", "Thị trấn Đông Anh", "Huyện Đông Anh", "Hà Nội"),
    (7002, "SPX Bưu cục Ninh Kiều, 8 Hòa Bình", "Phường Tân An", "Quận Ninh Kiều", "Cần Thơ"),
)
SLOT_DAYS = 3  # pickup dates offered: the next three days
VIETNAM = timedelta(hours=7)
DOCUMENT_TYPES = (
    "NORMAL_AIR_WAYBILL",
    "THERMAL_AIR_WAYBILL",
    "NORMAL_JOB_AIR_WAYBILL",
    "THERMAL_JOB_AIR_WAYBILL",
)
LABEL_SIZE = {"NORMAL_AIR_WAYBILL": "a6", "THERMAL_AIR_WAYBILL": "80mm",
              "NORMAL_JOB_AIR_WAYBILL": "a6", "THERMAL_JOB_AIR_WAYBILL": "80mm"}  # fmt: skip


async def json_body(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# The API reference's error names and their messages, as the simulator answers them.
MESSAGES = {
    "order.error_limit": "Can not cancel this order",
    "order.order_status_invalid": "Invalid order_status.The order status should be IN_CANCEL.",
    "logistics.ship_order_only_support_one_type":
        "Please select just one way to ship order: pickup or dropoff or non_integrated.",
    "logistics.package_already_shipped":
        "This package has already been arranged shipment and you can't call this API again.",
    "logistics.ship_order_not_ready_to_ship": "The order is not ready to ship.",
    "logistics.address_not_found": "Address is not found.",
    "logistics.ship_order_pickup_time_invalid": "Invalid pickup time id. Please check the pick up time id.",
    "logistics.ship_order_unsupport_pickup": "This order does not support ship with pickup.",
    "logistics.ship_order_unsupport_non_integrated": "This order does not support ship with non_integrated.",
    "logistics.order_status_error": "Order status does not support awb printing.",
    "logistics.tracking_number_invalid": "The tracking number is invalid. Please check the tracking number.",
    "logistics.shipping_document_type_invalid": "The shipping_document_type is not invalid.",
    contract.NOT_CREATED:
        "The package can not print now, please create shipping document first.Detail: order_sn",
    "logistics.download_later": "Processing, please download later.",
    "logistics.packages_can_not_download_together": "Packages can not download together.",
    "logistics.order_not_exist": "The order_sn is not exist.",
    "error_status": "The order has been cancelled.",
}  # fmt: skip
NOT_READY = "Shipping parameters can only be obtained when package is ready to be shipped"
OUT_OF_STOCK_ITEMS = "Wrong parameters, detail: item_list is required when cancel_reason is OUT_OF_STOCK."
WAYBILL_FILE = "attachment; filename=waybill.pdf"


def refused(error: str, message: str = "") -> tuple[int, dict]:
    return 400, {"error": error, "message": message or MESSAGES[error], "request_id": ""}


def failed(result: dict, error: str) -> dict:
    """One order_list entry's failure, as batch calls answer it."""
    return result | {"fail_error": error, "fail_message": MESSAGES[error]}


def done(response: dict | None = None) -> tuple[int, dict]:
    return 200, {"error": "", "message": "", "request_id": ""} | ({"response": response} if response else {})


def pickup_slots(now: float) -> list[dict]:
    """The next days' pickup dates, each at Vietnam's midnight, ids as Shopee gives them (strings)."""
    today = datetime.fromtimestamp(now, UTC) + VIETNAM
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC) - VIETNAM
    dates = [int((midnight + timedelta(days=day)).timestamp()) for day in range(1, SLOT_DAYS + 1)]
    return [{"date": d, "time_text": "", "pickup_time_id": str(d), "flags": []} for d in dates]


def _place(entry: tuple) -> dict:
    return {"region": "VN", "address": entry[1], "town": entry[2], "district": entry[3], "state": entry[4],
            "city": "", "zipcode": ""}  # fmt: skip


def desk_routes(state, authenticate: Callable[[Request], Response | None], answer, write) -> list:
    """The desk's routes; ``write(request, apply)`` is the simulator's faulted write path."""

    def say(error: str) -> Response:
        return answer(error, MESSAGES[error], 400)

    def applied(order: order_book.SimOrder, call: str, changed: list) -> None:
        state.desk_applied[(order.id, call)] += 1
        state.writes_applied += 1
        changed.append(order)

    async def act(request: Request, apply) -> Response:
        """A desk write: faults, then ``apply(body, order, changed)`` on the body's own order; pushes."""
        await desk.expire(state)
        changed: list[order_book.SimOrder] = []

        def on_order(body: dict) -> tuple[int, dict]:
            order = own_order(state, request, body.get("order_sn"))
            if order is None:
                return refused("error_not_found", "Wrong parameters, detail: order_sn not found.")
            return apply(body, order, changed)

        response = await write(request, on_order)
        for order in changed:
            await state.push(order_book.event(order))
        return response

    async def read(request: Request) -> tuple[Response | None, order_book.SimOrder | None]:
        denied = authenticate(request)
        if denied:
            return denied, None
        await desk.expire(state)
        order = own_order(state, request, request.query_params.get("order_sn"))
        if order is None:
            return answer("error_param", "The information you queried is not found.", 400), None
        return None, order

    @post(contract.CANCEL, status_code=200)
    async def cancel_order(request: Request) -> Response:
        def apply(body: dict, order, changed) -> tuple[int, dict]:
            reason = body.get("cancel_reason")
            if reason == "UNDELIVERABLE_AREA":
                return refused(
                    "error_param", "Wrong parameters, detail: UNDELIVERABLE_AREA only applies to TW and MY."
                )
            if reason not in ("OUT_OF_STOCK", "CUSTOMER_REQUEST", "COD_NOT_SUPPORTED"):
                return refused("error_param", "Wrong parameters, detail: invalid cancel_reason.")
            if reason == "OUT_OF_STOCK":
                listed = {(e.get("item_id"), e.get("model_id")) for e in body.get("item_list") or []}
                if not listed or not listed <= {(int(line["item_id"]), 0) for line in order.lines}:
                    return refused("error_param", OUT_OF_STOCK_ITEMS)
            if desk.cancel(state, order, reason, "seller"):
                return refused("order.error_limit")
            applied(order, "cancel_order", changed)
            return done({"update_time": int(order.updated)})

        return await act(request, apply)

    @post(contract.HANDLE_CANCELLATION, status_code=200)
    async def handle_buyer_cancellation(request: Request) -> Response:
        def apply(body: dict, order, changed) -> tuple[int, dict]:
            operation = body.get("operation")
            if operation not in ("ACCEPT", "REJECT"):
                return refused("error_param", "Wrong parameters, detail: operation must be ACCEPT or REJECT.")
            if desk.answer_cancellation(state, order, operation == "ACCEPT"):
                return refused("order.order_status_invalid")
            applied(order, "handle_buyer_cancellation", changed)
            return done({"update_time": int(order.updated)})

        return await act(request, apply)

    @get(contract.SHIPPING_PARAMETER)
    async def shipping_parameter(request: Request) -> Response:
        denied, order = await read(request)
        if denied or order is None:
            return denied or answer("error_param", "The information you queried is not found.", 400)
        if order.stage == "cancelled":
            return answer("error_status", MESSAGES["error_status"], 400)
        if order.stage != "to_ship":
            return answer("error_param", NOT_READY, 400)
        slots = pickup_slots(state.now())
        addresses = [
            _place(a)
            | {
                "address_id": a[0],
                "address_flag": ["pickup_address"] if i == 0 else [],
                "time_slot_list": slots,
            }
            for i, a in enumerate(ADDRESSES)
        ]
        branches = [_place(b) | {"branch_id": b[0]} for b in BRANCHES]
        needed = {"pickup": ["address_id", "pickup_time_id"], "dropoff": ["branch_id"]}
        if order.shop_id in state.config.shops_without_pickup:
            needed.pop("pickup")
        return answer(
            response={
                "info_needed": needed,
                "pickup": {"address_list": addresses} if "pickup" in needed else None,
                "dropoff": {"branch_list": branches, "slug_list": []},
            }
        )

    @post(contract.SHIP, status_code=200)
    async def ship_order(request: Request) -> Response:
        def apply(body: dict, order, changed) -> tuple[int, dict]:
            ways = [way for way in ("pickup", "dropoff", "non_integrated") if way in body]
            if len(ways) != 1:
                return refused("logistics.ship_order_only_support_one_type")
            if order.stage == "to_pickup":
                return refused("logistics.package_already_shipped")
            if order.stage != "to_ship":
                return refused("logistics.ship_order_not_ready_to_ship")
            detail = body[ways[0]] if isinstance(body[ways[0]], dict) else {}
            if ways[0] == "pickup":
                if order.shop_id in state.config.shops_without_pickup:
                    return refused("logistics.ship_order_unsupport_pickup")
                if detail.get("address_id") not in {a[0] for a in ADDRESSES}:
                    return refused("logistics.address_not_found")
                slot = detail.get("pickup_time_id")
                if slot and slot not in {s["pickup_time_id"] for s in pickup_slots(state.now())}:
                    return refused("logistics.ship_order_pickup_time_invalid")
            elif ways[0] == "dropoff":
                if "branch_id" in detail and detail["branch_id"] not in {b[0] for b in BRANCHES}:
                    return refused("logistics.error_param", "Wrong parameters, detail: branch_id not found.")
            else:
                return refused("logistics.ship_order_unsupport_non_integrated")
            desk.arrange(state, order, ways[0])
            applied(order, "ship_order", changed)
            return done()

        return await act(request, apply)

    @get(contract.TRACKING)
    async def tracking_number(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        order = own_order(state, request, request.query_params.get("order_sn"))
        if order is None:
            return answer("logistics.invalid_error", "The order is not exist.", 400)
        return answer(response={"tracking_number": order.tracking_number, "hint": ""})

    def document_entry(entry: dict, create: bool) -> dict:
        """One order_list entry of create_shipping_document (create) or get_shipping_document_result."""
        sn = str(entry.get("order_sn") or "")
        kind = str(entry.get("shipping_document_type") or "NORMAL_AIR_WAYBILL")
        result = {"order_sn": sn, "package_number": f"P{sn}"}
        order = state.orders.get(sn)
        if order is None:
            return failed(result, "logistics.order_not_exist")
        if kind not in DOCUMENT_TYPES:
            return failed(result, "logistics.shipping_document_type_invalid")
        if not create:
            reads = state.documents.get((sn, kind))
            if reads is None:
                return failed(result, contract.NOT_CREATED)
            state.documents[(sn, kind)] = reads + 1  # the task is done by the second look
            return result | {"status": "READY" if reads else "PROCESSING"}
        if not order.tracking_number or order.stage not in ("to_pickup", "in_transit", "delivery_failed"):
            return failed(result, "logistics.order_status_error")
        if entry.get("tracking_number") not in (None, order.tracking_number):
            return failed(result, "logistics.tracking_number_invalid")
        if (sn, kind) not in state.documents:  # made once; asked again, the task already exists
            state.documents[(sn, kind)] = 0
            state.desk_applied[(sn, "create_shipping_document")] += 1
        return result

    def batch(results: list[dict]) -> tuple[int, dict]:
        if results and all(r.get("fail_error") for r in results):
            return 200, {
                "error": "common.batch_api_all_failed",
                "message": "Failed, please check result_list for more details.",
                "request_id": "",
                "response": {"result_list": results},
            }
        return done({"result_list": results})

    @post(contract.CREATE_DOCUMENT, status_code=200)
    async def create_document(request: Request) -> Response:
        def apply(body: dict) -> tuple[int, dict]:
            entries = [
                e for e in body.get("order_list") or [] if own_order(state, request, e.get("order_sn"))
            ]
            return batch([document_entry(e, create=True) for e in entries[:50]])

        return await write(request, apply)

    @post(contract.DOCUMENT_RESULT, status_code=200)
    async def document_result(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        body = await json_body(request)
        entries = [e for e in body.get("order_list") or [] if own_order(state, request, e.get("order_sn"))]
        status, content = batch([document_entry(e, create=False) for e in entries[:50]])
        return answer(**{k: v for k, v in content.items() if k != "request_id"}, http_status=status)

    @post(contract.DOWNLOAD_DOCUMENT, status_code=200)
    async def download_document(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        body = await json_body(request)
        kind = str(body.get("shipping_document_type") or "NORMAL_AIR_WAYBILL")
        entries = body.get("order_list") or []
        if len(entries) != 1:  # the simulator prints one waybill per file
            return say("logistics.packages_can_not_download_together")
        order = own_order(state, request, entries[0].get("order_sn"))
        if order is None:
            return say("logistics.order_not_exist")
        reads = state.documents.get((order.id, kind))
        if reads is None:
            return say(contract.NOT_CREATED)
        if reads < 2:
            return say("logistics.download_later")
        pdf = desk.label_pdf(order, LABEL_SIZE.get(kind, "a6"))
        return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": WAYBILL_FILE})

    @get(contract.ESCROW)
    async def escrow_detail(request: Request) -> Response:
        denied, order = await read(request)
        if denied or order is None:
            return denied or answer("error_param", "The information you queried is not found.", 400)
        fees, payout, _paid = desk.money(state, order)
        service = fees // 3
        income = {
            "escrow_amount": float(payout), "buyer_total_amount": float(order.total),
            "order_original_price": float(order.total), "cost_of_goods_sold": float(order.total),
            "original_cost_of_goods_sold": float(order.total), "commission_fee": float(fees - service),
            "service_fee": float(service), "seller_transaction_fee": 0.0,
            "buyer_payment_method": "Cash on Delivery" if order.payment == "cod" else "ShopeePay",
        }  # fmt: skip
        return answer(response={"order_sn": order.id, "return_order_sn_list": [], "order_income": income})

    return [
        cancel_order,
        handle_buyer_cancellation,
        shipping_parameter,
        ship_order,
        tracking_number,
        create_document,
        document_result,
        download_document,
        escrow_detail,
    ]
