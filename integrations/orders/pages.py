"""The seller's orders page (phone-sized): revenue by month, then the latest orders."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide
from litestar.response import Template

from agrimarket.accounts.actor import Actor
from agrimarket.web.auth import provide_actor
from integrations.orders import views


class OrderPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/orders")
    async def orders(self, viewer: Actor) -> Template:
        context = {
            "viewer": viewer,
            "orders": await views.list_orders(viewer),
            "months": await views.monthly_revenue(viewer),
            "status_vi": views.STATUS_VI,
        }
        return Template("integrations/orders.html", context=context)
