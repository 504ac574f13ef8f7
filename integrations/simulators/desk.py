"""The seller's steps on an order in a simulator, shared by every marketplace's wire module.

Each step checks the order's stage as a marketplace does and answers a refusal (a word for the
wire module to render in its marketplace's error shape) or None when taken. Deadlines really
expire: ``sweep`` cancels, as the marketplace's own auto-cancel, every order whose seller missed
the step's deadline on the simulator's clock.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw

from integrations.adapters.desk import LABEL_SIZES
from integrations.simulators.orders import SimOrder, event, set_stage

# The stages a seller may still cancel in, and the ones a step's deadline applies to.
CANCELLABLE = ("unpaid", "to_confirm", "to_ship", "to_pickup")
DUE = ("to_confirm", "to_ship", "to_pickup")
# Each marketplace's carrier and the shape of its tracking numbers.
CARRIERS = {
    "shopee": ("SPX Express", "SPXVN06{:09d}"),
    "voso": ("Viettel Post", "VTP{:010d}"),
    "postmart": ("Vietnam Post", "EB{:09d}VN"),
    "tiktok": ("J&T Express", "852{:09d}"),
}
# The marketplace's fees (commission + payment), in basis points of the order's amount.
FEES_BP = {"shopee": 900, "voso": 500, "postmart": 300}
# Seconds the deadline to hand the parcel over runs from confirming (our contracts' rule).
HANDOVER_AFTER_CONFIRM_S = 48 * 3600


def confirm(state, order: SimOrder) -> str | None:
    if order.stage != "to_confirm":
        return "wrong_stage"
    order.act_by = state.now() + HANDOVER_AFTER_CONFIRM_S
    set_stage(state, order, "to_ship")
    return None


def cancel(state, order: SimOrder, reason: str, by: str = "seller") -> str | None:
    if order.stage not in CANCELLABLE:
        return "wrong_stage"
    order.cancel_reason, order.cancelled_by = reason, by
    set_stage(state, order, "cancelled")
    return None


def request_cancellation(state, order: SimOrder) -> str | None:
    """The buyer asks to cancel (before the carrier has the parcel)."""
    if order.stage not in ("to_confirm", "to_ship", "to_pickup"):
        return "wrong_stage"
    order.stage_before_request = order.stage
    set_stage(state, order, "cancel_requested")
    return None


def answer_cancellation(state, order: SimOrder, accept: bool) -> str | None:
    if order.stage != "cancel_requested":
        return "wrong_stage"
    if accept:
        order.cancel_reason, order.cancelled_by = "buyer_request", "buyer"
        set_stage(state, order, "cancelled")
    else:
        set_stage(state, order, order.stage_before_request or "to_ship")
    return None


def arrange(state, order: SimOrder, method: str) -> str | None:
    """The seller arranges pickup or drop-off: the carrier gives the waybill number."""
    if order.stage == "to_pickup" and order.shipping_method == method:
        return None  # asked again: the same shipment
    if order.stage != "to_ship":
        return "wrong_stage"
    carrier, shape = CARRIERS.get(state.code, ("Carrier", "TRK{:09d}"))
    order.shipping_method, order.carrier = method, carrier
    order.tracking_number = shape.format(int(order.id.rsplit("-", 1)[-1]) + 100_000_000)
    set_stage(state, order, "to_pickup")
    return None


def sweep(state) -> list[SimOrder]:
    """Auto-cancel every order whose deadline has passed (the marketplace's rule); the changed ones."""
    now = state.now()
    missed = [o for o in state.orders.values() if o.stage in DUE and o.act_by is not None and o.act_by < now]
    for order in missed:
        order.cancel_reason, order.cancelled_by = "deadline_missed", "system"
        set_stage(state, order, "cancelled")
    return missed


def money(state, order: SimOrder) -> tuple[int, int, bool]:
    """(fees, payout, paid out): the payout is released once the order is delivered."""
    fees = order.total * FEES_BP.get(state.code, 500) // 10_000
    return fees, order.total - fees, order.stage == "delivered"


# Label sizes in pixels at 203 dpi, the thermal printers' resolution: A6, and an 80 mm roll's 72 mm
# printable width by 100 mm.
LABEL_PIXELS = {"a6": (839, 1181), "80mm": (575, 799)}
LABEL_DPI = 203


def label_pdf(order: SimOrder, size: str) -> bytes:
    """The carrier's waybill as a one-page PDF: carrier, tracking number (with its QR), commune, COD."""
    out = io.BytesIO()
    label_image(order, size).save(out, format="PDF", resolution=LABEL_DPI)
    return out.getvalue()


def label_image(order: SimOrder, size: str) -> Image.Image:
    """The waybill as a picture (TikTok also gives it as a PNG)."""
    if size not in LABEL_SIZES:
        raise ValueError(size)
    width, height = LABEL_PIXELS[size]
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    code = qrcode.make(order.tracking_number, box_size=6, border=2).get_image().convert("L")
    side = min(width // 2, code.width)
    page.paste(code.resize((side, side)), (width - side - 20, 20))
    lines = [
        order.carrier,
        order.tracking_number,
        f"Order {order.id}",
        f"To: {order.commune}",
        f"COD: {order.total} VND" if order.payment == "cod" else "Prepaid",
    ]
    for row, text in enumerate(lines):
        draw.text((20, 30 + row * 40), text, fill=0, font_size=28 if row < 2 else 22)
    return page


# What the carrier reports: the stages each event may come in, and the stage it moves the order to.
CARRIER_EVENTS = {
    "picked_up": (("to_pickup",), "in_transit"),
    "pickup_failed": (("to_pickup",), "to_ship"),  # the seller arranges the shipment again
    "failed": (("in_transit",), "delivery_failed"),
    "delivered": (("in_transit", "delivery_failed"), "delivered"),
    "returned": (("in_transit", "delivery_failed"), "returned"),
}


def carrier_step(state, order: SimOrder, step: str) -> str | None:
    """The carrier picks the parcel up (or fails to), fails a delivery attempt, delivers it or
    returns it (tests, demo)."""
    if step not in CARRIER_EVENTS:
        return "unknown_step"
    before, after = CARRIER_EVENTS[step]
    if order.stage not in before:
        return "wrong_stage"
    set_stage(state, order, after)
    return None


async def expire(state) -> None:
    """``sweep``, and push each auto-cancelled order to the seller as the marketplace does."""
    for order in sweep(state):
        await state.push(event(order))
