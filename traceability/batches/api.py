"""Batches and the farming diary over the JSON API (bearer token), with the EPCIS 2.0 export."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from agrimarket.accounts.actor import Actor
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.i18n import request_lang
from agrimarket.web.idempotency import IdempotencyMiddleware
from traceability.batches import epcis, partners, service
from traceability.batches.schemas import (
    BatchCreate,
    BatchRead,
    BatchUpdate,
    ClearRequest,
    EventCreate,
    PartnerCreate,
    PartnerRead,
)


class BatchController(Controller):
    path = "/api/v1/batches"
    tags = ["traceability"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_batches(self, actor: Actor, product_id: int | None = None) -> list[BatchRead]:
        return await service.list_batches(actor, product_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: BatchCreate) -> BatchRead:
        return await service.get_batch(actor, await service.create_batch(actor, data))

    @get("/{batch_id:int}")
    async def read(self, actor: Actor, batch_id: int) -> BatchRead:
        """The batch with its whole diary, oldest entry first."""
        return await service.get_batch(actor, batch_id)

    @patch("/{batch_id:int}")
    async def update(self, actor: Actor, batch_id: int, data: BatchUpdate) -> BatchRead:
        """Fill in the brand or the declared standards (minimum data items 8 and 10)."""
        await service.update_labels(actor, batch_id, data)
        return await service.get_batch(actor, batch_id)

    @post("/{batch_id:int}/events", status_code=HTTP_201_CREATED, middleware=[IdempotencyMiddleware])
    async def add_event(self, actor: Actor, batch_id: int, data: EventCreate) -> BatchRead:
        await service.add_event(actor, batch_id, data)
        return await service.get_batch(actor, batch_id)

    @get("/{batch_id:int}/partners")
    async def list_partners(self, request: Request, actor: Actor, batch_id: int) -> list[PartnerRead]:
        """Suppliers (one step back) and recipients (one step forward), oldest first."""
        return await partners.list_partners(actor, batch_id, request_lang(request))

    @post("/{batch_id:int}/partners", status_code=HTTP_201_CREATED)
    async def add_partner(
        self, request: Request, actor: Actor, batch_id: int, data: PartnerCreate
    ) -> list[PartnerRead]:
        """Record who supplied the batch (``supplier``, e.g. a member household by ``household_id``)
        or who received it (``recipient``: buyer, packer, distributor...)."""
        await partners.add_partner(actor, batch_id, data)
        return await partners.list_partners(actor, batch_id, request_lang(request))

    @delete("/{batch_id:int}/partners/{partner_id:int}")
    async def remove_partner(self, actor: Actor, batch_id: int, partner_id: int) -> None:
        await partners.remove_partner(actor, batch_id, partner_id)

    @post("/{batch_id:int}/clear", status_code=HTTP_200_OK)
    async def clear(self, actor: Actor, batch_id: int, data: ClearRequest) -> BatchRead:
        """Clear a PHI flag with a written reason (coop manager, officer of the area, admin)."""
        await service.clear_flag(actor, batch_id, data.reason)
        return await service.get_batch(actor, batch_id)

    @get("/{batch_id:int}/epcis")
    async def export_epcis(self, actor: Actor, batch_id: int, settings: Settings) -> Response[dict[str, Any]]:
        """The diary as an EPCIS 2.0 JSON-LD document."""
        document = await epcis.batch_document(actor, batch_id)
        return Response(document, media_type="application/ld+json")
