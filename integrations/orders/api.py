"""A seller's orders over the JSON API."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import Provide

from agrimarket.accounts.actor import Actor
from agrimarket.media.storage import Storage
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from integrations.adapters.registry import Adapters
from integrations.orders import inbox, labels, views
from integrations.orders.schemas import InboxRead, LabelSize, OrdersRead, Tab


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

    @get("/{order_id:int}/label", media_type="application/pdf")
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
        return await labels.order_label(actor, order_id, size, storage, adapters, settings)
