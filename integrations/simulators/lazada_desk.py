"""Lazada's order-desk calls in the simulator, as the adapter's ``lazada_desk`` module documents them
(paths, the JSON request parameters ``packReq`` / ``readyToShipReq`` / ``getDocumentReq`` /
``getShipmentProvidersReq``, the ``result`` envelope with per-entry ``item_err_code``, and the
reverse API's ``E01xx`` codes in Lazada's error shape).

Statuses follow the "Order status flow" guide: ``pending`` → Pack → ``packed`` (the package gets its
id and the carrier's tracking number) → ReadyToShip → ``ready_to_ship`` → the carrier collects
(``shipped``) → ``delivered``; ``canceled`` from ``pending`` to ``ready_to_ship``. Writes (Pack,
ReadyToShip, InitReverseOrderCancel) go through the simulator's faulted write path; each applied one
is counted in ``state.desk_applied`` by (order id, call). Lazada keeps no idempotency keys: a write
repeated after it landed meets the order's new status and is refused as Lazada would.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable

from litestar import Request, Response, get, post

from integrations.adapters import lazada_desk as contract
from integrations.simulators import desk
from integrations.simulators import orders as order_book
from integrations.simulators.lazada_orders import find, lazada_id, package_id, status

CARRIER, CARRIER_CODE = "LEX VN", "LEXVN"  # Lazada Express, Lazada's own carrier in Vietnam
# The carriers a seller who picks one (``LazadaConfig.sellers_choosing_carrier``) is offered.
CARRIERS = {CARRIER_CODE: CARRIER, "JTVN": "J&T Express"}
REASONS = {
    "10000019": "Sourcing Delay",
    "10000021": "Out of Stock",
    "10000023": "Wrong Price or Pricing Error",
}
CANCELLABLE = ("pending", "packed", "ready_to_ship")
CANCEL_TIP = (
    "SKU stock may be set to 0 after cancellation due to reasons: 'out of stock' or 'incorrect pricing'."
)


def _request(params: dict, name: str) -> dict | None:
    try:
        value = json.loads(params.get(name) or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def desk_routes(
    state,
    read: Callable[[Request, str], Awaitable],
    write: Callable[[Request, str, Callable], Awaitable[Response]],
) -> list:
    """``read(request, path)``: the signed call's (params, seller), or Lazada's refusal; ``write``:
    the same through the faulted write path, ``change(params, seller)`` -> (status, body)."""

    def result(data: dict | None = None, code: str = "", message: str = "") -> tuple[int, dict]:
        """The Fulfillment API's envelope: ``success`` false with ``error_code`` for a failed batch."""
        body: dict = {"success": not code, "data": data or {}}
        if code:
            body |= {"error_code": code, "error_msg": message}
        return 200, {"code": "0", "result": body, "request_id": state.request_id()}

    def isp(code: str, message: str) -> tuple[int, dict]:
        return 200, {"type": "ISP", "code": code, "message": message, "request_id": state.request_id()}

    def applied(order: order_book.SimOrder, call: str) -> None:
        state.desk_applied[(order.id, call)] += 1
        state.writes_applied += 1

    def by_package(seller: str, wanted: object) -> order_book.SimOrder | None:
        return next(
            (o for o in state.orders.values() if o.shop_id == seller and package_id(o) == str(wanted)), None
        )

    def item_ids(order: order_book.SimOrder) -> list[int]:
        units = sum(line["quantity"] for line in order.lines)
        return [lazada_id(order) * 100 + n for n in range(1, units + 1)]

    @get(contract.PROVIDERS)
    async def providers(request: Request) -> Response:
        got = await read(request, contract.PROVIDERS)
        if isinstance(got, Response):
            return got
        params, seller = got
        asked = _request(params, "getShipmentProvidersReq") or {}
        for entry in asked.get("orders") or [{}]:
            if find(state, seller, entry.get("order_id")) is None:
                return Response(result(code="700021", message="order not found")[1])
        # A local (TFS) shop: Lazada allocates the carrier (platform_default 1); else the seller picks.
        choosing = seller in state.config.sellers_choosing_carrier
        offered = CARRIERS if choosing else {CARRIER_CODE: CARRIER}
        data = {
            "platform_default": "0" if choosing else "1",
            "shipping_allocate_type": "NTFS" if choosing else "TFS",
            "shipment_providers": [{"name": name, "provider_code": code} for code, name in offered.items()],
        }
        return Response(result(data)[1])

    @post(contract.PACK, status_code=200)
    async def pack(request: Request) -> Response:
        def change(params: dict, seller: str) -> tuple[int, dict]:
            asked = _request(params, "packReq")
            if asked is None or not asked.get("pack_order_list"):
                return result(code="700017", message="param can't be null")
            if asked.get("delivery_type") != contract.DELIVERY_TYPE:
                return result(code="700013", message="operation is no support")
            chosen = asked.get("shipment_provider_code")
            if seller in state.config.sellers_choosing_carrier:
                if chosen not in CARRIERS:
                    return result(code="700001", message="shipment provider code not exits")
            elif chosen:
                return result(code="700004", message="param illegal: shipment_provider_code with TFS")
            packed = []
            for entry in asked["pack_order_list"]:
                order = find(state, seller, entry.get("order_id"))
                if order is None:
                    return result(code="700021", message="order not found")
                wanted = [int(i) for i in entry.get("order_item_list") or []]
                if not wanted or not set(wanted) <= set(item_ids(order)):
                    return result(code="700025", message="order item not found")
                if status(order) != "pending":
                    lines = [{"order_item_id": i, "item_err_code": "700026",
                              "msg": "item current status not allow to pack", "retry": "false"} for i in wanted]  # fmt: skip
                else:
                    code = str(chosen or CARRIER_CODE)
                    order.carrier = CARRIERS[code]
                    order.tracking_number = f"{code}{lazada_id(order):013d}"
                    order.updated = state.now()
                    applied(order, "pack")
                    lines = [{"order_item_id": i, "item_err_code": "0", "msg": "success",
                              "package_id": package_id(order), "tracking_number": order.tracking_number,
                              "shipment_provider": order.carrier, "retry": "false"} for i in wanted]  # fmt: skip
                packed.append({"order_id": lazada_id(order), "order_item_list": lines})
            return result({"pack_order_list": packed})

        return await write(request, contract.PACK, change)

    @post(contract.RTS, status_code=200)
    async def ready_to_ship(request: Request) -> Response:
        def change(params: dict, seller: str) -> tuple[int, dict]:
            asked = _request(params, "readyToShipReq")
            if asked is None or not asked.get("packages"):
                return result(code="700017", message="param can't be null")
            answered = []
            for entry in asked["packages"]:
                order = by_package(seller, entry.get("package_id"))
                wire = {"package_id": str(entry.get("package_id")), "retry": "false"}
                if order is None:
                    answered.append(wire | {"item_err_code": "700021", "msg": "package not found"})
                elif order.stage == "cancelled":
                    answered.append(wire | {"item_err_code": "600002", "msg": "package already cancelled"})
                elif status(order) != "packed":
                    msg = "current package status not allow to operation"
                    answered.append(wire | {"item_err_code": "700000", "msg": msg})
                else:
                    order.shipping_method = "dropoff"
                    order_book.set_stage(state, order, "to_pickup")
                    applied(order, "rts")
                    answered.append(wire | {"item_err_code": "0", "msg": "success"})
            return result({"packages": answered})

        return await write(request, contract.RTS, change)

    @get(contract.DOCUMENT)
    async def document(request: Request) -> Response:
        got = await read(request, contract.DOCUMENT)
        if isinstance(got, Response):
            return got
        params, seller = got
        asked = _request(params, "getDocumentReq") or {}
        if asked.get("doc_type") not in ("PDF", "HTML") or not asked.get("packages"):
            return Response(result(code="700004", message="param illegal")[1])
        order = by_package(seller, asked["packages"][0].get("package_id"))
        if order is None or order.stage == "cancelled":
            return Response(result(code="700021", message="package not found")[1])
        pdf = desk.label_pdf(order, "a6")
        data = {"file": base64.b64encode(pdf).decode(), "doc_type": "PDF",
                "pdf_url": f"{state.config.public_url}/awb/{package_id(order)}.pdf"}  # fmt: skip
        return Response(result(data)[1])

    def cancellable(params: dict, seller: str) -> tuple[order_book.SimOrder | None, tuple[int, dict] | None]:
        order = find(state, seller, params.get("order_id"))
        if order is None:
            return None, isp("122", "E0122: invalid trade order")
        try:
            wanted = [int(i) for i in json.loads(params.get("order_item_id_list") or "[]")]
        except (ValueError, TypeError):
            wanted = []
        if not wanted or not set(wanted) <= set(item_ids(order)):
            return None, isp("102", "E0102: trade order line id is empty or invalid")
        if status(order) not in CANCELLABLE:
            return None, isp("123", f"E0123: invalid trade order lines {wanted}")
        return order, None

    @get(contract.CANCEL_VALIDATE)
    async def cancel_validate(request: Request) -> Response:
        got = await read(request, contract.CANCEL_VALIDATE)
        if isinstance(got, Response):
            return got
        _, refused = cancellable(*got)
        if refused:
            return Response(refused[1])
        options = [{"reason_id": rid, "reason_name": name} for rid, name in REASONS.items()]
        data = {"tip_type": "warn", "tip_content": CANCEL_TIP, "reason_options": options}
        return Response({"code": "0", "data": data, "request_id": state.request_id()})

    @get(contract.CANCEL)
    async def cancel(request: Request) -> Response:
        def change(params: dict, seller: str) -> tuple[int, dict]:
            order, refused = cancellable(params, seller)
            if refused or order is None:
                return refused or isp("122", "E0122: invalid trade order")
            if params.get("reason_id") not in REASONS:
                return isp("104", "E0104: reason is empty or invalid")
            desk.cancel(state, order, str(params["reason_id"]))
            applied(order, "cancel")
            data = {"tip_type": "success", "tip_content": "The order has been cancelled."}
            return 200, {"code": "0", "data": data, "request_id": state.request_id()}

        return await write(request, contract.CANCEL, change)

    return [providers, pack, ready_to_ship, document, cancel_validate, cancel]
