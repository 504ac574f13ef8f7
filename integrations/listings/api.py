"""Integrations over the JSON API: seller accounts, listings, the admin's sync queue, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_401_UNAUTHORIZED

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid, Unauthorized
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.openapi import error_response
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
from integrations.orders import events as order_events
from integrations.orders import service as orders
from integrations.stock import service as stock
from integrations.sync import admin
from integrations.tables import Listing


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
            actor, data.marketplace, data.shop_id, data.credentials, adapters, settings.integrations
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


def _event(body: bytes) -> dict:
    """The signed body as an event; a malformed one is the sender's error (4xx), not ours."""
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        event = {}
    if event.get("type") != "order" and not event.get("external_id"):
        raise Invalid("external_id", "Sự kiện thiếu mã sản phẩm trên sàn.", "The event lacks external_id.")
    return event


@post(
    "/api/v1/webhooks/{marketplace:str}",
    status_code=200,
    tags=["integrations"],
    responses={HTTP_401_UNAUTHORIZED: error_response(HTTP_401_UNAUTHORIZED)},  # bad signature
)
async def webhook(request: Request, marketplace: str, settings: Settings) -> dict:
    """Signed push from a marketplace (X-Signature: hex HMAC-SHA256 of the body): a listing's status
    change, an order or its new status (``type: order``), or a sale (``type: sale``, ``order_id``,
    ``external_id``, ``quantity``: a one-item order). ``counted`` says whether it changed anything."""
    body = await request.body()
    secret = settings.integrations.webhook_secret_for(marketplace)
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-signature", ""), expected):
        raise Unauthorized("Chữ ký không hợp lệ.", "Bad signature.")
    event = _event(body)
    if event.get("type") in ("order", "sale"):
        # Sold on the marketplace: one order, however often told; the stock drops everywhere once.
        remote = await order_events.from_event(marketplace, event)
        return {"ok": True, "counted": await orders.receive(marketplace, remote, "webhook")}
    listing = (
        await Listing.select(Listing.id)
        .where((Listing.external_id == str(event["external_id"])) & (Listing.marketplace.code == marketplace))
        .first()
    )
    if listing and event.get("status") in ("delisted", "removed"):
        await service.taken_down(listing["id"], str(event.get("reason") or "Sàn đã gỡ sản phẩm."))
    return {"ok": True}


ROUTES = [IntegrationsController, webhook]
