"""Growing areas over the JSON API (bearer token), with the officer's registry and CSV export."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from agrimarket.accounts.actor import Actor
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from traceability.areas import registry, service
from traceability.areas.schemas import AreaCreate, AreaRead, StatusChange
from traceability.settings import TraceabilitySettings


class GrowingAreaController(Controller):
    path = "/api/v1/growing-areas"
    tags = ["traceability"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_areas(
        self,
        actor: Actor,
        status: str | None = None,
        has_code: bool | None = None,
        commune: str | None = None,
        q: str | None = None,
    ) -> list[AreaRead]:
        """Own areas, the cooperative's and members', or (officers) the registry of their area."""
        return await service.list_areas(actor, status, has_code, commune, q)

    @get("/export.csv", media_type="text/csv")
    async def export_csv(
        self,
        actor: Actor,
        status: str | None = None,
        has_code: bool | None = None,
        commune: str | None = None,
        q: str | None = None,
    ) -> Response[bytes]:
        """The same list as a spreadsheet (UTF-8 with BOM, Vietnamese headers)."""
        return registry.csv_response(await service.list_areas(actor, status, has_code, commune, q))

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: AreaCreate, settings: Settings) -> AreaRead:
        values = msgspec.structs.asdict(data)
        owner = values.pop("owner_household_id")
        area_id = await service.create_area(
            actor, values, settings.section(TraceabilitySettings).official_code_pattern, owner
        )
        return await service.get_area(actor, area_id)

    @get("/{area_id:int}")
    async def read(self, actor: Actor, area_id: int) -> AreaRead:
        return await service.get_area(actor, area_id)

    @post("/{area_id:int}/status", status_code=HTTP_200_OK)
    async def change_status(self, actor: Actor, area_id: int, data: StatusChange) -> AreaRead:
        """Officer of the area or admin: verified | suspended | revoked (reason required for the last two)."""
        await service.change_status(actor, area_id, data.status, data.reason)
        return await service.get_area(actor, area_id)
