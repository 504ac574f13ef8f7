"""The seller's orders page (phone-sized): the order desk's inbox in tabs, then revenue by month."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import Provide
from litestar.response import Template

from agrimarket.accounts.actor import Actor
from agrimarket.media.storage import Storage
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from integrations.adapters.registry import Adapters
from integrations.orders import desk, detail, inbox, labels, views
from integrations.orders.responses import pdf_response
from integrations.orders.schemas import LabelSize, Tab


class OrderPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/orders")
    async def orders(self, viewer: Actor, tab: str = "to_handle") -> Template:
        """``?tab=`` picks one of inbox.TABS; an unknown one shows the first (an old link still works)."""
        chosen: Tab = next((key for key in inbox.TABS if key == tab), "to_handle")
        context = {
            "viewer": viewer,
            "inbox": await inbox.inbox(viewer, chosen),
            "months": await views.monthly_revenue(viewer),
            # The marketplaces' payouts of the same months: released vs still to come (sellers only).
            "payouts": {month.month: month for month in await detail.payout_months(viewer)},
            "status_vi": views.STATUS_VI,
            "urgency_vi": inbox.URGENCY_VI,
            "stage_vi": {stage: words[0] for stage, words in desk.STAGE_VI.items()},
        }
        return Template("integrations/orders.html", context=context)

    @get("/orders/{order_id:int}/label.pdf", media_type="application/pdf")
    async def label(
        self,
        viewer: Actor,
        order_id: int,
        storage: Storage,
        adapters: Adapters,
        settings: Settings,
        size: LabelSize = "a6",
    ) -> Response[bytes]:
        return pdf_response(*await labels.order_label(viewer, order_id, size, storage, adapters, settings))

    @get("/orders/labels-today.pdf", media_type="application/pdf")
    async def labels_today(
        self, viewer: Actor, storage: Storage, adapters: Adapters, settings: Settings, size: LabelSize = "a6"
    ) -> Response[bytes]:
        """Every label of the orders waiting for the carrier, in one PDF to print at once."""
        return pdf_response(*await labels.todays_labels(viewer, size, storage, adapters, settings))
