"""TikTok Shop's Fulfillment API in the simulator, as the adapter's ``tiktok_desk`` module documents
it: Get Package Handover Time Slots, Ship Package, Get Package Detail and Get Package Shipping
Document (its ``doc_url`` served here, unsigned, as TikTok's short-lived URL is).

Each order is one package (``package_id`` below). Ship Package goes through the simulator's
``write`` (faults played like every write) and is counted in ``state.calls[(order_id, "ship")]``;
TikTok keeps no idempotency key, so a second Ship Package of a package already PROCESSING is refused
(21011003, like 21011001 / 21011002 the simulator's own codes). The first document request of a
package answers 11034037 (the carrier is still making it), as TikTok's guide warns.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from litestar import Request, Response, get, post

from integrations.adapters import tiktok_desk as contract
from integrations.simulators import desk
from integrations.simulators.credentials import DEMO_MASTER
from integrations.simulators.orders import SimOrder

# The package's status (Get Order Detail's line_items[].package_status) at each desk stage.
PACKAGE_STATUS = {
    "unpaid": "TO_FULFILL", "on_hold": "TO_FULFILL", "to_confirm": "TO_FULFILL", "to_ship": "TO_FULFILL",
    "cancel_requested": "TO_FULFILL", "to_pickup": "PROCESSING", "in_transit": "FULFILLING",
    "delivery_failed": "FULFILLING", "delivered": "COMPLETED", "cancelled": "CANCELLED",
    "returned": "CANCELLED",
}  # fmt: skip
METHOD = {"PICKUP": "pickup", "DROP_OFF": "dropoff"}
SLOT_HOURS = ((8, 12), (13, 17))  # pickup slots each day, Vietnam time
SLOT_DAYS = 2
VIETNAM = timedelta(hours=7)
DOCUMENT_SIZE = {"SHIPPING_LABEL": "a6", "SHIPPING_LABEL_PICTURE": "80mm"}
NOT_ARRANGED, PICKED_UP, GENERATING = 21023035, 21023046, contract.GENERATING
SLOT_GONE, METHOD_REFUSED, NOT_TO_FULFILL = 21011001, 21011002, 21011003


def package_id(order: SimOrder) -> str:
    return "115" + order.id.rsplit("-", 1)[-1].rjust(15, "0")


def pickup_slots(now: float) -> list[dict]:
    """The next days' slots that have not started yet."""
    today = datetime.fromtimestamp(now, UTC) + VIETNAM
    midnight = today.replace(hour=0, minute=0, second=0, microsecond=0) - VIETNAM
    slots = []
    for day in range(SLOT_DAYS + 1):
        for start, end in SLOT_HOURS:
            begins = midnight + timedelta(days=day, hours=start)
            if begins.timestamp() > now:
                ends = midnight + timedelta(days=day, hours=end)
                slots.append({"start_time": int(begins.timestamp()), "end_time": int(ends.timestamp())})
    return slots[: SLOT_DAYS * len(SLOT_HOURS)]


def order_fields(order: SimOrder) -> dict:
    """What Get Order Detail adds for fulfilment: the package, the shop's warehouse, the carrier."""
    return {
        "packages": [{"id": package_id(order)}],
        "warehouse_id": f"7{order.shop_id}",
        "shipping_provider": order.carrier or desk.CARRIERS["tiktok"][0],
        "shipping_type": "TIKTOK",
    }


def line_fields(order: SimOrder) -> dict:
    return {
        "package_id": package_id(order),
        "package_status": PACKAGE_STATUS[order.stage],
        "tracking_number": order.tracking_number,
    }


def _token(package: str, kind: str) -> str:
    return hmac.new(DEMO_MASTER, f"tiktok-doc:{package}:{kind}".encode(), hashlib.sha256).hexdigest()[:24]


def fulfillment_routes(
    state,
    authenticate: Callable[[Request], Awaitable[Response | None]],
    answer: Callable[..., Response],
    write: Callable[..., Awaitable[Response]],
) -> list:
    def find(shop: str, package: str) -> SimOrder | None:
        return next(
            (o for o in state.orders.values() if o.shop_id == shop and package_id(o) == package), None
        )

    def refused(code: int, message: str, status: int = 400) -> tuple[int, dict]:
        return status, {"code": code, "message": message, "request_id": "", "data": {}}

    async def owned(request: Request, package: str) -> tuple[Response | None, SimOrder | None]:
        denied = await authenticate(request)
        if denied:
            return denied, None
        await desk.expire(state)
        order = find(request.state.shop, package)
        return (answer(21001001, "Package not found.", 404), None) if order is None else (None, order)

    @get(contract.TIME_SLOTS.format("{package:str}"))
    async def time_slots(request: Request, package: str) -> Response:
        denied, _order = await owned(request, package)
        if denied:
            return denied
        slots = [slot | {"avaliable": True} for slot in pickup_slots(state.now())]
        return answer(
            can_pickup=True,
            can_drop_off=True,
            can_van_collection=False,
            drop_off_point_url=f"{state.config.public_url}/drop-off-points",
            pickup_slots=slots,
        )

    @post(contract.SHIP.format("{package:str}"), status_code=200)
    async def ship(request: Request, package: str) -> Response:
        def apply(shop: str, body: dict):
            order = find(shop, package)
            if order is None:
                return refused(21001001, "Package not found.", 404)
            if order.stage != "to_ship":
                return refused(
                    NOT_TO_FULFILL, f"The package is {PACKAGE_STATUS[order.stage]}, not TO_FULFILL."
                )
            method = METHOD.get(str(body.get("handover_method")))
            if method is None:
                return refused(METHOD_REFUSED, "handover_method must be PICKUP or DROP_OFF.")
            if method == "pickup":
                slot = body.get("pickup_slot") or {}
                wanted = {"start_time": slot.get("start_time"), "end_time": slot.get("end_time")}
                if wanted not in pickup_slots(state.now()):
                    return refused(SLOT_GONE, "The pickup time slot is not available.")
            desk.arrange(state, order, method)
            state.calls[(order.id, "ship")] += 1
            return 200, {"code": 0, "message": "Success", "request_id": "", "data": {}}

        return await write(request, apply)

    @get(contract.PACKAGE.format("{package:str}"))
    async def package_detail(request: Request, package: str) -> Response:
        denied, order = await owned(request, package)
        if denied or order is None:
            return denied or answer(21001001, "Package not found.", 404)
        return answer(
            package_id=package,
            package_status=PACKAGE_STATUS[order.stage],
            handover_method={"pickup": "PICKUP", "dropoff": "DROP_OFF"}.get(order.shipping_method, ""),
            tracking_number=order.tracking_number,
            shipping_provider_name=order.carrier,
            shipping_type="TIKTOK",
            orders=[{"id": order.id}],
            update_time=int(order.updated),
        )

    @get(contract.DOCUMENTS.format("{package:str}"))
    async def documents(request: Request, package: str) -> Response:
        denied, order = await owned(request, package)
        if denied or order is None:
            return denied or answer(21001001, "Package not found.", 404)
        kind = request.query_params.get("document_type", "")
        if kind not in DOCUMENT_SIZE:
            return answer(36009001, "document_type is invalid.", 400)
        if order.stage != "to_pickup":
            arranged = order.stage in ("in_transit", "delivery_failed", "delivered", "returned")
            if arranged:
                return answer(PICKED_UP, "The package has been shipped; documents cannot be printed.", 400)
            return answer(NOT_ARRANGED, "The shipment has not been arranged.", 400)
        if (package, kind) not in state.documents:
            state.documents.add((package, kind))
            return answer(GENERATING, "The document is being generated, please retry later.", 400)
        url = f"{state.config.public_url}/fulfillment-docs/{package}/{kind}?token={_token(package, kind)}"
        state.calls[(order.id, "shipping_documents")] += 1
        return answer(doc_url=url, tracking_number=order.tracking_number)

    @get("/fulfillment-docs/{package:str}/{kind:str}")
    async def document_file(package: str, kind: str, token: str = "") -> Response:
        order = next((o for o in state.orders.values() if package_id(o) == package), None)
        if (
            order is None
            or kind not in DOCUMENT_SIZE
            or not hmac.compare_digest(token, _token(package, kind))
        ):
            return Response(b"", status_code=404)
        if kind == "SHIPPING_LABEL":
            return Response(desk.label_pdf(order, "a6"), media_type="application/pdf")
        out = io.BytesIO()
        desk.label_image(order, "80mm").save(out, format="PNG")
        return Response(out.getvalue(), media_type="image/png")

    return [time_slots, ship, package_detail, documents, document_file]
