"""Cooperatives, members and invitations over the JSON API."""

from __future__ import annotations

from dataclasses import replace

from litestar import Controller, Request, delete, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.codes import send_member_code
from agrimarket.accounts.limits import STORE
from agrimarket.accounts.schemas import CodeSent
from agrimarket.cooperatives import invitations, service, verification
from agrimarket.cooperatives.schemas import (
    CooperativeCreate,
    CooperativeRead,
    InvitationCreate,
    InvitationRead,
    MemberAdd,
    MemberRead,
    MyCooperative,
    StatusChange,
)
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor


class CooperativeController(Controller):
    path = "/api/v1/cooperatives"
    tags = ["cooperatives"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def register(self, actor: Actor, status: str | None = None) -> list[CooperativeRead]:
        """The cooperatives of an officer's area (all for an admin), e.g. ?status=unverified."""
        return await service.list_cooperatives(actor, status)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: CooperativeCreate) -> CooperativeRead:
        """Starts unverified: it invites no household until an officer of its province verifies it."""
        coop_id = await service.create_cooperative(actor, data)
        return await service.get_cooperative(_with_coop(actor, coop_id), coop_id)

    @get("/{coop_id:int}")
    async def read(self, actor: Actor, coop_id: int) -> CooperativeRead:
        return await service.get_cooperative(actor, coop_id)

    @post("/{coop_id:int}/status", status_code=HTTP_200_OK)
    async def change_status(self, actor: Actor, coop_id: int, data: StatusChange) -> CooperativeRead:
        """Verify (against the tax code), suspend or revoke: officers of its area and admins."""
        await verification.change_status(actor, coop_id, data.status, data.reason)
        return await service.get_cooperative(actor, coop_id)

    @get("/{coop_id:int}/members")
    async def members(self, actor: Actor, coop_id: int) -> list[MemberRead]:
        return await service.list_members(actor, coop_id)

    @post("/{coop_id:int}/members", status_code=HTTP_201_CREATED)
    async def sign_up(self, actor: Actor, coop_id: int, data: MemberAdd) -> list[MemberRead]:
        """Assisted sign-up: a new household for a phone with no account; the account has no
        password until its farmer claims it. A registered household is invited instead."""
        await service.sign_up_household(actor, coop_id, data)
        return await service.list_members(actor, coop_id)

    @delete("/{coop_id:int}/members/{household_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_member(self, actor: Actor, coop_id: int, household_id: int) -> None:
        """The manager removes a member, or the household (its own id) leaves; history is kept."""
        await service.remove_member(actor, coop_id, household_id)

    @post("/{coop_id:int}/members/{household_id:int}/sign-in-code", status_code=HTTP_202_ACCEPTED)
    async def member_sign_in_code(
        self, request: Request, actor: Actor, coop_id: int, household_id: int, settings: Settings
    ) -> CodeSent:
        """Send a member household its 6-digit sign-in code by Zalo or SMS (the manager helps a
        farmer in; 3 codes per phone in 15 minutes)."""
        phone = await send_member_code(actor, coop_id, household_id, request.app.stores.get(STORE), settings)
        return CodeSent(message=f"Đã gửi mã đăng nhập đến số {phone}.")

    @get("/{coop_id:int}/invitations")
    async def invitations(self, actor: Actor, coop_id: int) -> list[InvitationRead]:
        return await invitations.for_cooperative(actor, coop_id)

    @post("/{coop_id:int}/invitations", status_code=HTTP_201_CREATED)
    async def invite(
        self, actor: Actor, coop_id: int, data: InvitationCreate, settings: Settings
    ) -> InvitationRead:
        """Invite a registered household by phone; it becomes a member when it accepts."""
        invitation_id = await invitations.invite(actor, coop_id, data.phone, settings.coop_invitation_days)
        return next(i for i in await invitations.for_cooperative(actor, coop_id) if i.id == invitation_id)

    @delete("/{coop_id:int}/invitations/{invitation_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def cancel(self, actor: Actor, coop_id: int, invitation_id: int) -> None:
        await invitations.cancel(actor, coop_id, invitation_id)

    @post("/{coop_id:int}/invitations/{invitation_id:int}/approve", status_code=HTTP_204_NO_CONTENT)
    async def approve(self, actor: Actor, coop_id: int, invitation_id: int, settings: Settings) -> None:
        """An officer of the cooperative's province lets it invite a household from elsewhere."""
        await invitations.approve(actor, coop_id, invitation_id, settings.coop_invitation_days)


class InvitationController(Controller):
    """The household's side: its invitations, its cooperative, leaving it."""

    path = "/api/v1"
    tags = ["cooperatives"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/invitations")
    async def mine(self, actor: Actor) -> list[InvitationRead]:
        return await invitations.for_household(actor)

    @post("/invitations/{invitation_id:int}/accept", status_code=HTTP_200_OK)
    async def accept(self, actor: Actor, invitation_id: int) -> CooperativeRead:
        coop_id = await invitations.accept(actor, invitation_id)
        return await service.get_cooperative(actor, coop_id)

    @post("/invitations/{invitation_id:int}/decline", status_code=HTTP_204_NO_CONTENT)
    async def decline(self, actor: Actor, invitation_id: int) -> None:
        await invitations.decline(actor, invitation_id)

    @get("/me/cooperative")
    async def my_cooperative(self, actor: Actor) -> MyCooperative:
        """Which cooperative the household belongs to, what waits for its answer, what ended."""
        return await invitations.overview(actor)


def _with_coop(actor: Actor, coop_id: int) -> Actor:
    # The actor was loaded before the cooperative existed.
    return replace(actor, cooperative_id=coop_id)
