"""The officers' page of an area's households, and the list with phone numbers, which asks why."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.response import Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.households import directory
from agrimarket.web.auth import provide_actor
from agrimarket.web.downloads import attachment
from agrimarket.web.forms import form_error

TEMPLATE = "households/directory.html"


async def _context(viewer: Actor, area: str | None, after_id: int = 0) -> dict:
    chosen = await directory.staff_area(viewer, area)
    rows = await directory.list_households(viewer, chosen.code, after_id)
    more = rows[-1].id if len(rows) == directory.PAGE else None
    return {"viewer": viewer, "area": chosen, "rows": rows, "after_id": after_id, "more": more}


class HouseholdDirectoryPages(Controller):
    path = "/households"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def households(self, viewer: Actor, area: str | None = None, after_id: int = 0) -> Template:
        return Template(TEMPLATE, context=await _context(viewer, area, after_id))

    @get("/export.csv", media_type="text/csv")
    async def export(
        self, request: Request, viewer: Actor, area: str | None = None, reason: str | None = None
    ) -> Response[bytes] | Template:
        try:
            name, body = await directory.export_csv(viewer, area, reason)
        except Invalid as exc:  # no reason given: the page again, the field marked
            context = await _context(viewer, area) | {"values": {"reason": reason or ""}}
            return form_error(request, TEMPLATE, exc, context)
        return attachment(body, "text/csv", name)
