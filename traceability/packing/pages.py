"""Phone pages for packing facilities: the list (the officer's register, with its actions) and the
registration form, built on the growing-area pages' form context and commune picker."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import DomainError, Forbidden
from agrimarket.products.fields import parse_int
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.i18n import request_lang
from traceability.areas.fields import STATUSES
from traceability.areas.pages import _form_context as area_form_context
from traceability.packing import service
from traceability.packing.schemas import FacilityCreate

PAGE = "traceability/packing/list.html"


async def _context(viewer: Actor, values: dict) -> dict:
    context = await area_form_context(viewer, values)
    context |= {
        "facilities": await service.list_facilities(viewer),
        "statuses": STATUSES,
        "can_judge": viewer.role in (Role.OFFICER, Role.ADMIN),
    }
    return context


class PackingFacilityPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/packing-facilities")
    async def list_page(self, viewer: Actor) -> Template:
        return Template(PAGE, context=await _context(viewer, {}))

    @post("/packing-facilities/new")
    async def create(self, request: Request, viewer: Actor) -> Template | Redirect:
        values = form_values(await request.form())
        owner = parse_int(values.get("owner")) if values.get("owner") else None
        try:
            data = FacilityCreate(
                name=values.get("name", ""),
                commune_code=values.get("commune_code", ""),
                address=values.get("address", ""),
                official_code=values.get("official_code") or None,
                export_market=values.get("export_market") or None,
                owner_household_id=owner,
            )
            facility_id = await service.create_facility(viewer, data)
        except DomainError as exc:
            return form_error(request, PAGE, exc, await _context(viewer, values))
        return Redirect(f"/packing-facilities#facility-{facility_id}")

    @post("/packing-facilities/{facility_id:int}/status")
    async def change_status(self, request: Request, viewer: Actor, facility_id: int) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            await service.change_status(
                viewer, facility_id, values.get("status", ""), values.get("reason", "")
            )
        except DomainError as exc:
            if exc.status_code == 404 or isinstance(exc, Forbidden):
                raise
            context = await _context(viewer, {}) | {"message": exc.message(request_lang(request))}
            return Template(PAGE, context=context, status_code=exc.status_code)
        return Redirect(f"/packing-facilities#facility-{facility_id}")
