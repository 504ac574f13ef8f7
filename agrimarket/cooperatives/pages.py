"""Web pages for a cooperative manager: create the cooperative, manage member households."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.areas.service import list_communes, list_provinces
from agrimarket.cooperatives import invitations, service
from agrimarket.cooperatives.schemas import CooperativeCreate, MemberAdd
from agrimarket.errors import DomainError, Forbidden
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values


async def _context(actor: Actor, values: dict | None = None) -> dict:
    values = values or {}
    context: dict = {"viewer": actor, "values": values, "coop": None, "members": [], "invitations": []}
    if actor.cooperative_id:
        context["coop"] = await service.get_cooperative(actor, actor.cooperative_id)
        context["members"] = await service.list_members(actor, actor.cooperative_id)
        context["invitations"] = await invitations.for_cooperative(actor, actor.cooperative_id)
    else:
        context["provinces"] = await list_provinces()
        context["communes"] = await list_communes(values["province"]) if values.get("province") else []
    return context


def _manager_only(actor: Actor) -> None:
    if actor.role != "coop_manager":
        raise Forbidden("Trang này dành cho quản lý HTX.", "This page is for cooperative managers.")


class CooperativePages(Controller):
    path = "/coop"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def overview(self, viewer: Actor, added: int | None = None, invited: int | None = None) -> Template:
        _manager_only(viewer)
        return Template(
            "coop/index.html", context={**await _context(viewer), "added": added, "invited": invited}
        )

    @post("/")
    async def create(self, request: Request, viewer: Actor) -> Template | Redirect:
        _manager_only(viewer)
        values = form_values(await request.form())
        data = CooperativeCreate(
            name=values.get("name", ""),
            tax_code=values.get("tax_code", ""),
            commune_code=values.get("commune_code", ""),
            address=values.get("address", ""),
        )
        try:
            await service.create_cooperative(viewer, data)
        except DomainError as exc:
            return form_error(request, "coop/index.html", exc, await _context(viewer, values))
        return Redirect("/coop")

    @post("/members")
    async def add_member(self, request: Request, viewer: Actor) -> Template | Redirect:
        _manager_only(viewer)
        values = form_values(await request.form())
        data = MemberAdd(
            phone=values.get("phone", ""),
            head_name=values.get("head_name") or None,
            address=values.get("address", ""),
        )
        try:
            household_id = await service.sign_up_household(viewer, viewer.cooperative_id or 0, data)
        except DomainError as exc:
            return form_error(request, "coop/index.html", exc, await _context(viewer, values))
        return Redirect(f"/coop?added={household_id}")

    @post("/invitations")
    async def invite(self, request: Request, viewer: Actor, settings: Settings) -> Template | Redirect:
        _manager_only(viewer)
        values = form_values(await request.form())
        try:
            invitation_id = await invitations.invite(
                viewer,
                viewer.cooperative_id or 0,
                values.get("invite_phone", ""),
                settings.coop_invitation_days,
            )
        except DomainError as exc:
            if "phone" in exc.field_messages:  # the invite form's field is invite_phone
                exc.field_messages = {"invite_phone": exc.field_messages["phone"]}
            return form_error(request, "coop/index.html", exc, await _context(viewer, values))
        return Redirect(f"/coop?invited={invitation_id}")

    @post("/invitations/{invitation_id:int}/cancel")
    async def cancel(self, viewer: Actor, invitation_id: int) -> Redirect:
        _manager_only(viewer)
        await invitations.cancel(viewer, viewer.cooperative_id or 0, invitation_id)
        return Redirect("/coop")

    @post("/members/{household_id:int}/remove")
    async def remove_member(self, viewer: Actor, household_id: int) -> Redirect:
        _manager_only(viewer)
        await service.remove_member(viewer, viewer.cooperative_id or 0, household_id)
        return Redirect("/coop")
