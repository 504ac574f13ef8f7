"""Integrations over the JSON API: seller accounts, listings, the admin's sync queue."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from agrimarket.accounts.actor import Actor
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from integrations.adapters.registry import Adapters
from integrations.listings import accounts, service, views
from integrations.listings.schemas import (
    AccountCreate,
    AccountRead,
    ListingCreate,
    ListingRead,
    StockShareUpdate,
    SyncJobRead,
)
from integrations.settings import IntegrationsSettings
from integrations.stock import service as stock
from integrations.sync import admin


class IntegrationsController(Controller):
    path = "/api/v1"
    tags = ["integrations"]
    dependencies = {"actor": Provide(provide_actor)}

    @post("/marketplace-accounts", status_code=HTTP_201_CREATED)
    async def connect(
        self, actor: Actor, data: AccountCreate, adapters: Adapters, settings: Settings
    ) -> AccountRead:
        """Connect a seller account; the marketplace checks the credentials first."""
        await accounts.connect(
            actor,
            data.marketplace,
            data.shop_id,
            data.credentials,
            adapters,
            settings.section(IntegrationsSettings),
        )
        row = next(a for a in await accounts.list_accounts(actor) if a["marketplace"] == data.marketplace)
        return AccountRead(**row)

    @get("/marketplace-accounts")
    async def list_accounts(self, actor: Actor) -> list[AccountRead]:
        """The caller's seller accounts; 403 for officers and admins, who own none (as the page)."""
        return [AccountRead(**row) for row in await accounts.seller_accounts(actor)]

    @post("/products/{product_id:int}/listings", status_code=HTTP_202_ACCEPTED)
    async def publish(self, actor: Actor, product_id: int, data: ListingCreate) -> ListingRead:
        """Publish on a marketplace: answered at once (pending); the worker makes it live."""
        listing_id = await service.publish(actor, product_id, data.marketplace)
        return next(x for x in await views.product_listings(actor, product_id) if x.id == listing_id)

    @get("/products/{product_id:int}/listings")
    async def product_listings(self, actor: Actor, product_id: int) -> list[ListingRead]:
        return await views.product_listings(actor, product_id)

    @put("/listings/{listing_id:int}/share")
    async def set_share(self, actor: Actor, listing_id: int, data: StockShareUpdate) -> ListingRead:
        """Show this marketplace only a share of the stock; it is pushed again through the outbox."""
        product_id = await stock.set_share(actor, listing_id, msgspec.structs.asdict(data))
        return next(x for x in await views.product_listings(actor, product_id) if x.id == listing_id)

    @post("/listings/{listing_id:int}/retry", status_code=HTTP_202_ACCEPTED)
    async def retry_listing(self, actor: Actor, listing_id: int) -> None:
        await service.retry_listing(actor, listing_id)

    @get("/sync-jobs")
    async def sync_jobs(self, actor: Actor, status: str | None = None) -> list[SyncJobRead]:
        """The admin's view of the outbox (``status=dead`` for the jobs that gave up)."""
        return await views.sync_jobs(actor, status)

    @post("/sync-jobs/{job_id:int}/retry", status_code=HTTP_202_ACCEPTED)
    async def retry_job(self, actor: Actor, job_id: int) -> None:
        await admin.retry_job(actor, job_id)


ROUTES = [IntegrationsController]
