"""The seller's orders page (phone-sized): the order desk's inbox in tabs, then revenue by month."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide
from litestar.response import Template

from agrimarket.accounts.actor import Actor
from agrimarket.web.auth import provide_actor
from integrations.orders import inbox, views
from integrations.orders.schemas import Tab


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
            "status_vi": views.STATUS_VI,
            "urgency_vi": inbox.URGENCY_VI,
        }
        return Template("integrations/orders.html", context=context)
