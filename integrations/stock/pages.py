"""The product's marketplace page: how much of the stock each marketplace is shown (phone-sized)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.media.storage import Storage
from agrimarket.products import service as products
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from integrations.listings import views
from integrations.stock import service
from integrations.tables import Listing

TEMPLATE = "integrations/stock_shares.html"


async def _context(viewer: Actor, product_id: int, storage: Storage, settings: Settings) -> dict:
    await products.ensure_writable(viewer, product_id)  # the page is a form: sellers only
    product = await products.get_product(viewer, product_id, storage, settings.public_base_url)
    return {"viewer": viewer, "p": product, "listings": await views.product_listings(viewer, product_id)}


class StockSharePages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/products/{product_id:int}/marketplaces")
    async def shares(
        self, viewer: Actor, product_id: int, storage: Storage, settings: Settings, saved: int | None = None
    ) -> Template:
        context = await _context(viewer, product_id, storage, settings)
        return Template(TEMPLATE, context=context | {"saved": saved, "failed": None, "values": {}})

    @post("/listings/{listing_id:int}/share")
    async def set_share(
        self, request: Request, viewer: Actor, listing_id: int, storage: Storage, settings: Settings
    ) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            product_id = await service.set_share(viewer, listing_id, values)
        except Invalid as exc:
            row = await Listing.select(Listing.product).where(Listing.id == listing_id).first()
            assert row is not None
            context = await _context(viewer, row["product"], storage, settings)
            context |= {"saved": None, "failed": listing_id, "values": values}
            return form_error(request, TEMPLATE, exc, context)
        return Redirect(f"/products/{product_id}/marketplaces?saved={listing_id}")
