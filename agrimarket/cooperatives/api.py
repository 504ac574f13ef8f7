"""Cooperatives and members over the JSON API."""

from __future__ import annotations

from dataclasses import replace

from litestar import Controller, delete, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.cooperatives import service
from agrimarket.cooperatives.schemas import CooperativeCreate, CooperativeRead, MemberAdd, MemberRead
from agrimarket.web.auth import provide_actor


class CooperativeController(Controller):
    path = "/api/v1/cooperatives"
    tags = ["cooperatives"]
    dependencies = {"actor": Provide(provide_actor)}

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: CooperativeCreate) -> CooperativeRead:
        coop_id = await service.create_cooperative(actor, data)
        return await service.get_cooperative(_with_coop(actor, coop_id), coop_id)

    @get("/{coop_id:int}")
    async def read(self, actor: Actor, coop_id: int) -> CooperativeRead:
        return await service.get_cooperative(actor, coop_id)

    @get("/{coop_id:int}/members")
    async def members(self, actor: Actor, coop_id: int) -> list[MemberRead]:
        return await service.list_members(actor, coop_id)

    @post("/{coop_id:int}/members", status_code=HTTP_201_CREATED)
    async def add_member(self, actor: Actor, coop_id: int, data: MemberAdd) -> list[MemberRead]:
        """Add a household by phone; with head_name (and commune_code) a new household is created."""
        await service.add_member(actor, coop_id, data)
        return await service.list_members(actor, coop_id)

    @delete("/{coop_id:int}/members/{household_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_member(self, actor: Actor, coop_id: int, household_id: int) -> None:
        """The household leaves; its membership history is kept."""
        await service.remove_member(actor, coop_id, household_id)


def _with_coop(actor: Actor, coop_id: int) -> Actor:
    # The actor was loaded before the cooperative existed.
    return replace(actor, cooperative_id=coop_id)
