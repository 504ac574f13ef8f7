"""Phone pages for growing areas: mine, register one, and the officer's registry with its actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor, Role
from agrimarket.areas.service import list_communes, list_provinces
from agrimarket.cooperatives.service import list_members
from agrimarket.errors import DomainError, Forbidden
from agrimarket.products.fields import parse_int
from agrimarket.settings import Settings
from agrimarket.tables import Commune, Cooperative, Household
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.i18n import request_lang
from traceability.areas import registry, service
from traceability.areas.fields import CODE_KINDS, STATUSES
from traceability.settings import TraceabilitySettings

AREA_FIELDS = (
    "name",
    "crop",
    "area_ha",
    "commune_code",
    "gps_lat",
    "gps_lng",
    "official_code",
    "code_kind",
    "export_market",
    "valid_from",
    "valid_until",
)


async def _members(actor: Actor) -> list | None:
    if actor.role == Role.COOP_MANAGER and actor.cooperative_id:
        return await list_members(actor, actor.cooperative_id)
    return None


async def _home_commune(actor: Actor) -> dict[str, Any] | None:
    if actor.household_id:
        return await Household.select(Household.commune).where(Household.id == actor.household_id).first()
    if actor.cooperative_id:
        return (
            await Cooperative.select(Cooperative.commune)
            .where(Cooperative.id == actor.cooperative_id)
            .first()
        )
    return None


async def _form_context(viewer: Actor, values: dict) -> dict:
    if not values.get("commune_code"):
        row = await _home_commune(viewer)
        values["commune_code"] = row["commune"] if row else ""
    if values.get("commune_code") and not values.get("province"):
        row = await Commune.select(Commune.province).where(Commune.code == values["commune_code"]).first()
        values["province"] = row["province"] if row else ""
    communes = await list_communes(values["province"]) if values.get("province") else []
    return {
        "viewer": viewer,
        "values": values,
        "provinces": await list_provinces(),
        "communes": communes,
        "members": await _members(viewer),
        "code_kinds": CODE_KINDS,
    }


def _filters(status: str | None, has_code: str | None, commune: str | None, q: str | None) -> dict:
    flag = {"yes": True, "no": False}.get(has_code or "")
    return {"status": status or None, "has_code": flag, "commune": commune or None, "q": q or None}


class AreaPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/areas")
    async def my_areas(self, viewer: Actor, created: int | None = None) -> Template | Redirect:
        if viewer.role in (Role.OFFICER, Role.ADMIN):  # readers of the whole area: the registry
            return Redirect("/areas/registry")
        areas = await service.list_areas(viewer)
        context = {"viewer": viewer, "areas": areas, "created": created, "statuses": STATUSES}
        return Template("traceability/areas/list.html", context=context)

    @get("/areas/new")
    async def new_form(self, viewer: Actor) -> Template:
        return Template("traceability/areas/new.html", context=await _form_context(viewer, {}))

    @post("/areas/new")
    async def create(self, request: Request, viewer: Actor, settings: Settings) -> Template | Redirect:
        values = form_values(await request.form())
        owner = parse_int(values.get("owner")) if values.get("owner") else None
        try:
            area_id = await service.create_area(
                viewer,
                {k: values.get(k) for k in AREA_FIELDS},
                settings.section(TraceabilitySettings).official_code_pattern,
                owner,
            )
        except DomainError as exc:
            return form_error(
                request, "traceability/areas/new.html", exc, await _form_context(viewer, values)
            )
        return Redirect(f"/areas?created={area_id}")

    @get("/areas/registry")
    async def registry_page(
        self,
        viewer: Actor,
        status: str | None = None,
        has_code: str | None = None,
        commune: str | None = None,
        q: str | None = None,
    ) -> Template:
        filters = _filters(status, has_code, commune, q)
        areas = await service.list_areas(viewer, **filters)
        raw = {"status": status or "", "has_code": has_code or "", "commune": commune or "", "q": q or ""}
        query = urlencode({k: v for k, v in raw.items() if v})
        context = {
            "viewer": viewer,
            "areas": areas,
            "values": raw,
            "csv_url": "/areas/registry.csv" + (f"?{query}" if query else ""),
            "statuses": STATUSES,
            "communes": await service.area_communes(viewer),
            "can_judge": viewer.role in (Role.OFFICER, Role.ADMIN),
        }
        return Template("traceability/areas/registry.html", context=context)

    @get("/areas/registry.csv")
    async def registry_csv(
        self,
        viewer: Actor,
        status: str | None = None,
        has_code: str | None = None,
        commune: str | None = None,
        q: str | None = None,
    ) -> Response[bytes]:
        return registry.csv_response(
            await service.list_areas(viewer, **_filters(status, has_code, commune, q))
        )

    @post("/areas/{area_id:int}/status")
    async def change_status(self, request: Request, viewer: Actor, area_id: int) -> Redirect | Template:
        values = form_values(await request.form())
        try:
            await service.change_status(viewer, area_id, values.get("status", ""), values.get("reason", ""))
        except DomainError as exc:
            if exc.status_code == 404 or isinstance(exc, Forbidden):
                raise
            areas = await service.list_areas(viewer)
            context = {
                "viewer": viewer,
                "areas": areas,
                "values": {},
                "csv_url": "/areas/registry.csv",
                "statuses": STATUSES,
                "communes": await service.area_communes(viewer),
                "can_judge": True,
                "message": exc.message(request_lang(request)),
            }
            return Template("traceability/areas/registry.html", context=context, status_code=exc.status_code)
        return Redirect("/areas/registry")
