"""The household's "HTX của tôi" page: its cooperative, invitations to answer, leaving, notices."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.cooperatives import invitations, service
from agrimarket.errors import DomainError
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error

PAGE = "coop/mine.html"


async def _context(viewer: Actor, done: str | None = None) -> dict:
    return {"viewer": viewer, "mine": await invitations.overview(viewer), "done": done}


class MemberPages(Controller):
    path = "/cooperative"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def mine(self, viewer: Actor, done: str | None = None) -> Template:
        return Template(PAGE, context=await _context(viewer, done))

    @post("/invitations/{invitation_id:int}/accept")
    async def accept(self, request: Request, viewer: Actor, invitation_id: int) -> Template | Redirect:
        try:
            await invitations.accept(viewer, invitation_id)
        except DomainError as exc:
            return form_error(request, PAGE, exc, await _context(viewer))
        return Redirect("/cooperative?done=joined")

    @post("/invitations/{invitation_id:int}/decline")
    async def decline(self, request: Request, viewer: Actor, invitation_id: int) -> Template | Redirect:
        try:
            await invitations.decline(viewer, invitation_id)
        except DomainError as exc:
            return form_error(request, PAGE, exc, await _context(viewer))
        return Redirect("/cooperative?done=declined")

    @post("/leave")
    async def leave(self, request: Request, viewer: Actor) -> Template | Redirect:
        try:
            await service.leave(viewer)
        except DomainError as exc:
            return form_error(request, PAGE, exc, await _context(viewer))
        return Redirect("/cooperative?done=left")
