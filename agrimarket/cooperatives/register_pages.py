"""The officer's cooperative register page: verify cooperatives against their tax codes, approve
out-of-province invitations, confirm farmers' account claims (all within the officer's area)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts import claims
from agrimarket.accounts.actor import Actor, Role
from agrimarket.cooperatives import invitations, service, verification
from agrimarket.errors import DomainError, Forbidden
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values

PAGE = "coop/register.html"


async def _context(viewer: Actor) -> dict:
    if viewer.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Trang này dành cho cán bộ và quản trị viên.", "This page is for officers and admins."
        )
    return {
        "viewer": viewer,
        "cooperatives": await service.list_cooperatives(viewer),
        "awaiting": await invitations.awaiting_approval(viewer),
        "claims": await claims.list_claims(viewer),
    }


class CooperativeRegisterPages(Controller):
    path = "/coop-register"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def register(self, viewer: Actor) -> Template:
        return Template(PAGE, context=await _context(viewer))

    async def _done(self, request: Request, viewer: Actor, action) -> Template | Redirect:
        try:
            await action
        except DomainError as exc:
            return form_error(request, PAGE, exc, await _context(viewer))
        return Redirect("/coop-register")

    @post("/{coop_id:int}/status")
    async def change_status(self, request: Request, viewer: Actor, coop_id: int) -> Template | Redirect:
        values = form_values(await request.form())
        change = verification.change_status(
            viewer, coop_id, values.get("status", ""), values.get("reason", "")
        )
        return await self._done(request, viewer, change)

    @post("/{coop_id:int}/invitations/{invitation_id:int}/approve")
    async def approve(
        self, request: Request, viewer: Actor, coop_id: int, invitation_id: int, settings: Settings
    ) -> Template | Redirect:
        approval = invitations.approve(viewer, coop_id, invitation_id, settings.coop_invitation_days)
        return await self._done(request, viewer, approval)

    @post("/claims/{claim_id:int}/confirm")
    async def confirm(self, request: Request, viewer: Actor, claim_id: int) -> Template | Redirect:
        code = form_values(await request.form()).get("code", "")
        return await self._done(request, viewer, claims.confirm(viewer, claim_id, code))

    @post("/claims/{claim_id:int}/reject")
    async def reject(self, request: Request, viewer: Actor, claim_id: int) -> Template | Redirect:
        return await self._done(request, viewer, claims.reject(viewer, claim_id))
