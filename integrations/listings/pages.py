"""Web (htmx) actions on the product card: publish on a marketplace, retry a refused listing."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.response import Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError
from agrimarket.web.auth import provide_actor
from agrimarket.web.i18n import request_lang
from integrations.listings import service, views
from integrations.tables import Listing


class ListingPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    async def _fragment(
        self,
        viewer: Actor,
        product_id: int,
        message: str | None,
        status: int = 200,
        needs_account: bool = False,
    ) -> Template:
        context = await views.card_context(viewer, [product_id])
        context |= {
            "product_id": product_id,
            "listing_message": message,
            "listing_needs_account": needs_account,
        }
        return Template("integrations/_listings.html", context=context, status_code=status)

    @post("/products/{product_id:int}/listings/{marketplace:str}")
    async def publish(self, request: Request, viewer: Actor, product_id: int, marketplace: str) -> Template:
        try:
            await service.publish(viewer, product_id, marketplace)
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            return await self._fragment(
                viewer,
                product_id,
                exc.message(request_lang(request)),
                exc.status_code,
                needs_account=isinstance(exc, service.AccountMissing),
            )
        return await self._fragment(viewer, product_id, None)

    @post("/listings/{listing_id:int}/retry")
    async def retry(self, request: Request, viewer: Actor, listing_id: int) -> Template:
        await service.retry_listing(viewer, listing_id)
        row = await Listing.select(Listing.product).where(Listing.id == listing_id).first()
        assert row is not None
        return await self._fragment(viewer, row["product"], None)

    @post("/products/{product_id:int}/listings")
    async def refresh(self, viewer: Actor, product_id: int) -> Template:
        """Polled by the fragment while a listing is syncing."""
        await views.product_listings(viewer, product_id)  # another owner's product: 404, no listings
        return await self._fragment(viewer, product_id, None)
