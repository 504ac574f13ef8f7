"""One order on the desk, on the phone (issue 20, point 2): its page, the shipping form, and the
forms of its actions. Each form posts here, the desk service queues the action (``orders.desk``),
and the farmer lands back on the order's page, which shows "đang gửi…" until the marketplace has
answered. A refusal (409 naming the stage, a marketplace that does not answer) is shown on the
order's page with its Vietnamese message, never as a server error.

The phone's offline queue (issue 22, agrimarket/static/app.js) posts these same forms with an
``Idempotency-Key`` per tap: the action routes mount ``IdempotencyMiddleware``, use that key as the
desk's, and answer with the action's state (``…/actions/{action_id}``), which the queue follows until
the marketplace has answered."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, Invalid
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.errors import with_retry_after
from agrimarket.web.forms import form_values
from agrimarket.web.i18n import request_lang
from agrimarket.web.idempotency import IdempotencyMiddleware
from integrations.adapters.desk import ShipmentChoice
from integrations.adapters.registry import Adapters
from integrations.orders import desk, detail, inbox
from integrations.orders.desk_schemas import ActionRead, OrderDetailRead, PickupSlotRead
from integrations.settings import IntegrationsSettings


def slot_words(slot: PickupSlotRead) -> str:
    """ "08:00–12:00 thứ Hai 07/12", in Vietnam time."""
    starts, ends = clock.to_local(slot.starts_at), clock.to_local(slot.ends_at)
    return f"{starts:%H:%M}–{ends:%H:%M} {inbox.WEEKDAYS_VI[starts.weekday()]} {starts:%d/%m}"


def shipment_choice(value: str) -> ShipmentChoice:
    """The ship form's radio: "pickup|<address id>|<slot id>" or "dropoff|<branch id>"."""
    method, _, rest = value.partition("|")
    if method == "pickup" and "|" in rest:
        address_id, _, slot_id = rest.partition("|")
        return ShipmentChoice("pickup", address_id=address_id, slot_id=slot_id)
    if method == "dropoff":
        return ShipmentChoice("dropoff", branch_id=rest)
    raise Invalid("choice", "Hãy chọn cách gửi hàng.", "Choose how to ship.")


def _last_action(d: OrderDetailRead):
    return next((t for t in reversed(d.timeline) if t.kind == "action"), None)


async def order_page(
    request: Request, viewer: Actor, order_id: int, adapters: Adapters, error: DomainError | None = None
) -> Template:
    d = await detail.order_detail(viewer, order_id, adapters)
    lang = request_lang(request)
    context = {
        "viewer": viewer,
        "d": d,
        "last_action": _last_action(d),
        "action_vi": detail.ACTION_VI,
        "urgency_vi": inbox.URGENCY_VI,
        "message": error.message(lang) if error else "",
        "errors": error.fields(lang) if error else {},
        "form_key": uuid.uuid4().hex,
    }
    if error is None:
        return Template("integrations/order.html", context=context)
    # A 503 says when to try again, as every error page does.
    headers = with_retry_after(error.status_code, error.headers)
    return Template(
        "integrations/order.html", context=context, status_code=error.status_code, headers=headers
    )


class OrderDeskPages(Controller):
    path = "/orders/{order_id:int}"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def order(self, request: Request, viewer: Actor, order_id: int, adapters: Adapters) -> Template:
        return await order_page(request, viewer, order_id, adapters)

    @get("/ship")
    async def ship_form(
        self, request: Request, viewer: Actor, order_id: int, adapters: Adapters, settings: Settings
    ) -> Template:
        """The shipping options, asked of the marketplace now; a refusal shows on the order's page."""
        credentials_key = settings.section(IntegrationsSettings).credentials_key
        try:
            options = await detail.shipping_options(viewer, order_id, adapters, credentials_key)
        except DomainError as exc:
            return await order_page(request, viewer, order_id, adapters, exc)
        context = {
            "viewer": viewer,
            "d": await detail.order_detail(viewer, order_id, adapters),
            "options": options,
            "slot_words": slot_words,
            "form_key": uuid.uuid4().hex,
        }
        return Template("integrations/order_ship.html", context=context)

    @get("/actions/{action_id:int}")
    async def action(self, viewer: Actor, order_id: int, action_id: int) -> ActionRead:
        """One action's state (queued, running, done, failed with the marketplace's reason) for the
        phone's offline queue, which shows a refusal that comes after its tap was sent."""
        return await desk.action_state(viewer, order_id, action_id)

    @post("/confirm", middleware=[IdempotencyMiddleware])
    async def confirm(
        self, request: Request, viewer: Actor, order_id: int, adapters: Adapters
    ) -> Template | Redirect:
        values = form_values(await request.form())
        return await _act(
            request, viewer, order_id, adapters, desk.confirm(viewer, order_id, _key(request, values))
        )

    @post("/cancel", middleware=[IdempotencyMiddleware])
    async def cancel(
        self, request: Request, viewer: Actor, order_id: int, adapters: Adapters
    ) -> Template | Redirect:
        values = form_values(await request.form())
        action = desk.cancel(viewer, order_id, values.get("reason", ""), adapters, _key(request, values))
        return await _act(request, viewer, order_id, adapters, action)

    @post("/cancellation", middleware=[IdempotencyMiddleware])
    async def answer_cancellation(
        self, request: Request, viewer: Actor, order_id: int, adapters: Adapters
    ) -> Template | Redirect:
        values = form_values(await request.form())
        if values.get("accept") not in ("yes", "no"):
            refused = Invalid(
                "accept", "Hãy chọn đồng ý hoặc không đồng ý hủy.", "Accept or refuse the cancellation."
            )
            return await order_page(request, viewer, order_id, adapters, refused)
        action = desk.answer_cancellation(viewer, order_id, values["accept"] == "yes", _key(request, values))
        return await _act(request, viewer, order_id, adapters, action)

    @post("/ship", middleware=[IdempotencyMiddleware])
    async def ship(
        self, request: Request, viewer: Actor, order_id: int, adapters: Adapters
    ) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            choice = shipment_choice(values.get("choice", ""))
        except DomainError as exc:
            return await order_page(request, viewer, order_id, adapters, exc)
        action = desk.arrange_shipment(viewer, order_id, choice, _key(request, values))
        return await _act(request, viewer, order_id, adapters, action)

    @post("/restock")
    async def restock(
        self, request: Request, viewer: Actor, order_id: int, adapters: Adapters
    ) -> Template | Redirect:
        try:
            await desk.restock(viewer, order_id)
        except DomainError as exc:
            return await order_page(request, viewer, order_id, adapters, exc)
        return Redirect(f"/orders/{order_id}")


def _key(request: Request, values: dict) -> str | None:
    """The phone's ``Idempotency-Key`` (one per queued tap, app.js), else the form's own key (one per
    page shown), so a double tap sends the action once. The header comes first: an offline queue sends
    taps from a kept copy of the page, whose form key is the same for every tap made on it."""
    header = request.headers.get("idempotency-key", "").strip()
    if header:
        return f"web-{header}"
    key = values.get("key", "")
    return f"web-{key}" if key else None


async def _act(
    request: Request, viewer: Actor, order_id: int, adapters: Adapters, action: Awaitable[ActionRead]
) -> Template | Redirect:
    """Queue the action (an awaitable of the desk service), then back to the order's page; a tap
    from the phone's offline queue (it sends an ``Idempotency-Key``) is answered with the action
    itself, whose state the queue follows to the marketplace's answer (app.js)."""
    try:
        queued = await action
    except DomainError as exc:
        return await order_page(request, viewer, order_id, adapters, exc)
    if request.headers.get("idempotency-key"):
        return Redirect(f"/orders/{order_id}/actions/{queued.id}")
    return Redirect(f"/orders/{order_id}")
