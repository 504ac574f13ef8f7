"""A seller's orders over the JSON API: the inbox, one order's detail, and the desk's actions.

Each action answers 202 with the action's state ("queued": đang gửi…); the sync worker sends it and
``GET …/actions/{action_id}`` follows it to done, or failed with the marketplace's reason. An
``Idempotency-Key`` header makes a repeated request answer the first action.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from agrimarket.accounts.actor import Actor
from agrimarket.media.storage import Storage
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.openapi import error_response
from integrations.adapters.desk import ShipmentChoice
from integrations.adapters.registry import Adapters
from integrations.orders import desk, detail, inbox, labels, views
from integrations.orders.desk_schemas import (
    ActionRead,
    CancelBody,
    CancellationAnswer,
    OrderDetailRead,
    PayoutMonthRead,
    RestockRead,
    ShipBody,
    ShippingOptionsRead,
)
from integrations.orders.responses import pdf_response
from integrations.orders.schemas import InboxRead, LabelSize, OrdersRead, Tab
from integrations.settings import IntegrationsSettings

IdempotencyKey = Annotated[
    str | None,
    Parameter(
        header="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=desk.KEY_MAX,
        pattern=desk.KEY_PATTERN,
        description="The same key on the same order answers the first action (a retried tap).",
    ),
]


class OrdersController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def orders(self, actor: Actor) -> OrdersRead:
        """The latest 50 orders from the marketplaces, and orders and revenue for each of the last 12
        months (the seller's own; cooperative managers also see their members', officers their area's)."""
        return OrdersRead(await views.list_orders(actor), await views.monthly_revenue(actor))

    @get("/inbox")
    async def order_inbox(self, actor: Actor, tab: Tab = "to_handle") -> InboxRead:
        """The order desk: the orders of one tab (``to_handle`` first, soonest deadline first; the
        others newest first) with each one's deadline to act, and every tab's count. The seller's
        own, and a cooperative manager's members'; officers see none."""
        return await inbox.inbox(actor, tab)

    @get("/payouts")
    async def payouts(self, actor: Actor) -> list[PayoutMonthRead]:
        """Payouts by month of the orders' placing, newest first: released, and still to come."""
        return await detail.payout_months(actor)

    @get("/{order_id:int}")
    async def order(self, actor: Actor, order_id: int, adapters: Adapters) -> OrderDetailRead:
        """One order on the desk: items, stage, deadline, timeline, money, the actions its stage
        allows, the action being sent and the last refusal. 404 for orders the caller may not work."""
        return await detail.order_detail(actor, order_id, adapters)

    @post("/{order_id:int}/confirm", status_code=HTTP_202_ACCEPTED)
    async def confirm(
        self, actor: Actor, order_id: int, idempotency_key: IdempotencyKey = None
    ) -> ActionRead:
        """Confirm (accept) the order, where the marketplace has that step (stage ``to_confirm``)."""
        return await desk.confirm(actor, order_id, idempotency_key)

    @post("/{order_id:int}/cancel", status_code=HTTP_202_ACCEPTED)
    async def cancel(
        self,
        actor: Actor,
        order_id: int,
        data: CancelBody,
        adapters: Adapters,
        idempotency_key: IdempotencyKey = None,
    ) -> ActionRead:
        """Cancel with one of the marketplace's reasons (the detail's ``cancel_reasons``)."""
        return await desk.cancel(actor, order_id, data.reason, adapters, idempotency_key)

    @post("/{order_id:int}/cancellation", status_code=HTTP_202_ACCEPTED)
    async def cancellation(
        self, actor: Actor, order_id: int, data: CancellationAnswer, idempotency_key: IdempotencyKey = None
    ) -> ActionRead:
        """Accept or reject the buyer's cancellation request (stage ``cancel_requested``)."""
        return await desk.answer_cancellation(actor, order_id, data.accept, idempotency_key)

    @get("/{order_id:int}/shipping-options", responses={409: error_response(409)})
    async def shipping_options(
        self, actor: Actor, order_id: int, adapters: Adapters, settings: Settings
    ) -> ShippingOptionsRead:
        """The pickup addresses and slots, or drop-off branches, the marketplace offers now; 503
        when it does not answer."""
        key = settings.section(IntegrationsSettings).credentials_key
        return await detail.shipping_options(actor, order_id, adapters, key)

    @post("/{order_id:int}/ship", status_code=HTTP_202_ACCEPTED)
    async def ship(
        self, actor: Actor, order_id: int, data: ShipBody, idempotency_key: IdempotencyKey = None
    ) -> ActionRead:
        """Arrange the shipment: pickup (address and slot) or drop-off; the carrier's waybill follows."""
        choice = ShipmentChoice(data.method, data.address_id, data.slot_id, data.branch_id)
        return await desk.arrange_shipment(actor, order_id, choice, idempotency_key)

    @post("/{order_id:int}/restock", status_code=HTTP_200_OK)
    async def restock(self, actor: Actor, order_id: int) -> RestockRead:
        """ "Trả lại kho": put back the stock a cancelled (never shipped) order took; once per order."""
        order, products = await desk.restock(actor, order_id)
        return RestockRead(order_id, order["restocked_at"], {str(k): v for k, v in products.items()})

    @get("/{order_id:int}/actions/{action_id:int}")
    async def action(self, actor: Actor, order_id: int, action_id: int) -> ActionRead:
        """One action's state: queued / running (đang gửi…), done, failed (the marketplace's reason), dead."""
        return await desk.action_state(actor, order_id, action_id)

    @get(
        "/{order_id:int}/label",
        media_type="application/pdf",
        responses={409: error_response(409), 503: error_response(503)},
    )
    async def label(
        self,
        actor: Actor,
        order_id: int,
        storage: Storage,
        adapters: Adapters,
        settings: Settings,
        size: LabelSize = "a6",
    ) -> Response[bytes]:
        """The order's waybill label as a PDF (A6, or an 80 mm thermal roll), once the shipment is
        arranged: 409 before there is a tracking number, 503 when the marketplace does not answer."""
        return pdf_response(*await labels.order_label(actor, order_id, size, storage, adapters, settings))
