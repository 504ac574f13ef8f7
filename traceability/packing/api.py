"""Packing facilities over the JSON API (bearer token)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from agrimarket.accounts.actor import Actor
from agrimarket.web.auth import provide_actor
from traceability.areas.schemas import StatusChange
from traceability.packing import service
from traceability.packing.schemas import FacilityCreate, FacilityRead


class PackingFacilityController(Controller):
    path = "/api/v1/packing-facilities"
    tags = ["traceability"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_facilities(self, actor: Actor, status: str | None = None) -> list[FacilityRead]:
        """Own facilities, the cooperative's and members', or (officers) those of their area."""
        return await service.list_facilities(actor, status)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: FacilityCreate) -> FacilityRead:
        return await service.get_facility(actor, await service.create_facility(actor, data))

    @get("/{facility_id:int}")
    async def read(self, actor: Actor, facility_id: int) -> FacilityRead:
        return await service.get_facility(actor, facility_id)

    @post("/{facility_id:int}/status", status_code=HTTP_200_OK)
    async def change_status(self, actor: Actor, facility_id: int, data: StatusChange) -> FacilityRead:
        """Officer of the area or admin: verified | suspended | revoked (reason required for the last two)."""
        await service.change_status(actor, facility_id, data.status, data.reason)
        return await service.get_facility(actor, facility_id)
