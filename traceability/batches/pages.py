"""Phone pages for batches: list, create, and the diary with one-tap entries (htmx)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.clock import to_local
from agrimarket.errors import DomainError, Invalid
from agrimarket.media.storage import Storage
from agrimarket.products.access import visible_products
from agrimarket.settings import Settings
from agrimarket.tables import Product
from agrimarket.text import ascii_decimal, ascii_int
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.i18n import request_lang
from agrimarket.web.idempotency import IdempotencyMiddleware
from traceability.areas.service import UNUSABLE, list_areas
from traceability.batches import epcis, partners, service
from traceability.batches.kinds import INPUT_TYPES, KINDS, PARTNER_KINDS
from traceability.batches.schemas import BatchCreate, EventCreate
from traceability.packing.service import facility_choices
from traceability.settings import TraceabilitySettings
from traceability.stamps.review import warned_stamps
from traceability.stamps.service import list_issues

ONE_TAP = ("planting", "irrigation", "harvesting", "packing")
DETAIL_KEYS = ("input_type", "product_name", "active_ingredient", "dose", "phi_days", "destination", "note")


async def _form_context(viewer: Actor, values: dict) -> dict:
    products = (
        await Product.select(Product.id, Product.name, Product.unit)
        .where(visible_products(viewer))
        .where(Product.status != "archived")
        .order_by(Product.name)
    )
    areas = [a for a in await list_areas(viewer) if a.status not in UNUSABLE]
    facilities = await facility_choices(viewer)
    return {
        "viewer": viewer,
        "values": values,
        "products": products,
        "areas": areas,
        "facilities": facilities,
    }


def _date(values: dict, name: str, errors: dict) -> date | None:
    raw = (values.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = ("Ngày không đúng.", "Invalid date.")
        return None


def _batch_form(values: dict) -> BatchCreate:
    """The form's strings as the API shape; unparsable numbers and dates are field errors."""
    errors: dict[str, tuple[str, str]] = {}
    numbers: dict[str, Any] = {}
    for name in ("product_id", "growing_area_id"):
        numbers[name] = ascii_int(values.get(name))
        if numbers[name] is None:
            errors[name] = ("Hãy chọn trong danh sách.", "Pick one from the list.")
    numbers["quantity"] = ascii_decimal(values.get("quantity"))
    if numbers["quantity"] is None:
        errors["quantity"] = ("Số lượng phải là số.", "The quantity must be a number.")
    harvest = _date(values, "harvest_date", errors)
    if harvest is None and "harvest_date" not in errors:
        errors["harvest_date"] = ("Không được để trống.", "Required.")
    pack, expiry = _date(values, "pack_date", errors), _date(values, "expiry_date", errors)
    if errors:
        raise Invalid.from_fields(errors)
    assert harvest is not None  # a missing harvest date is one of the errors
    return BatchCreate(
        **numbers,
        lot_code=values.get("lot_code", ""),
        harvest_date=harvest,
        unit=values.get("unit", ""),
        pack_date=pack,
        expiry_date=expiry,
        brand=values.get("brand", ""),
        standards=values.get("standards", ""),
        packing_facility_id=ascii_int(values.get("packing_facility_id")),
    )


def _can_clear(viewer: Actor) -> bool:
    return viewer.role in (Role.COOP_MANAGER, Role.OFFICER, Role.ADMIN)


def vn_time(moment: datetime) -> str:
    return to_local(moment).strftime("%H:%M %d/%m/%Y")


async def _diary_context(viewer: Actor, batch_id: int) -> dict[str, Any]:
    """What the diary fragment needs (re-drawn on its own after each one-tap entry)."""
    return {
        "viewer": viewer,
        "b": await service.get_batch(viewer, batch_id),
        "kinds": KINDS,
        "one_tap": ONE_TAP,
        "input_types": INPUT_TYPES,
        "can_write": viewer.can_write,
        "can_clear": _can_clear(viewer),
        "vn_time": vn_time,
    }


async def detail_context(viewer: Actor, batch_id: int, storage: Storage, **extra: Any) -> dict[str, Any]:
    """The whole batch page: the diary plus the batch's stamp issuances (and the revoke forms)."""
    context = await _diary_context(viewer, batch_id)
    context["issues"] = await list_issues(viewer, batch_id, storage)
    context["missing_items"] = await service.missing_items(batch_id)
    context["partners"] = await partners.partners_of(batch_id)
    context["partner_kinds"] = PARTNER_KINDS
    context["members"] = await partners.member_choices(batch_id) if viewer.can_write else []
    context.setdefault("partner_values", {})
    context.setdefault("label_values", {})
    context["facilities"] = await facility_choices(viewer) if viewer.can_write else []
    context.setdefault("revoke_values", {})
    context.setdefault("scan_warnings", [])  # the page's GET fills them (they need the settings)
    return context | extra


async def detail_form_error(
    request: Request, viewer: Actor, batch_id: int, storage: Storage, exc: DomainError, **values: Any
) -> Template:
    """The batch page again with one of its forms' errors and values (``values``: e.g.
    ``label_values=``). A 403 or 404 is raised as it is: it answers with the error page, not the form."""
    if exc.status_code in (403, 404):
        raise exc
    context = await detail_context(viewer, batch_id, storage, **values)
    return form_error(request, "traceability/batches/detail.html", exc, context)


class BatchPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/batches")
    async def my_batches(self, viewer: Actor) -> Template:
        batches = await service.list_batches(viewer)
        return Template("traceability/batches/list.html", context={"viewer": viewer, "batches": batches})

    @get("/batches/new")
    async def new_form(self, viewer: Actor, product: int | None = None) -> Template:
        values = {"product_id": str(product or ""), "harvest_date": clock.today().isoformat()}
        return Template("traceability/batches/new.html", context=await _form_context(viewer, values))

    @post("/batches/new")
    async def create(self, request: Request, viewer: Actor) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            batch_id = await service.create_batch(viewer, _batch_form(values))
        except DomainError as exc:
            context = await _form_context(viewer, values)
            return form_error(request, "traceability/batches/new.html", exc, context)
        return Redirect(f"/batches/{batch_id}")

    @get("/batches/{batch_id:int}")
    async def detail(
        self,
        viewer: Actor,
        batch_id: int,
        storage: Storage,
        settings: Settings,
        revoked: int | None = None,
        reviewed: int | None = None,
    ) -> Template:
        warnings = await warned_stamps(viewer, batch_id, settings.section(TraceabilitySettings))
        context = await detail_context(
            viewer, batch_id, storage, revoked_count=revoked, scan_warnings=warnings, reviewed=bool(reviewed)
        )
        return Template("traceability/batches/detail.html", context=context)

    @post("/batches/{batch_id:int}/events", middleware=[IdempotencyMiddleware])
    async def add_event(self, request: Request, viewer: Actor, batch_id: int) -> Template:
        """One tap (or the small input/shipping form): record the entry, answer with the re-drawn diary."""
        values = form_values(await request.form())
        details = {k: values[k] for k in DETAIL_KEYS if values.get(k) not in (None, "")}
        message, status, errors = None, 201, {}
        try:
            await service.add_event(
                viewer, batch_id, EventCreate(kind=values.get("kind", ""), details=details)
            )
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            lang = request_lang(request)
            message, status, errors = exc.message(lang), exc.status_code, exc.fields(lang)
        context = await _diary_context(viewer, batch_id)
        context.update(diary_message=message, errors=errors)
        return Template("traceability/batches/_diary.html", context=context, status_code=status)

    @post("/batches/{batch_id:int}/clear")
    async def clear(
        self, request: Request, viewer: Actor, batch_id: int, storage: Storage
    ) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            await service.clear_flag(viewer, batch_id, values.get("reason", ""))
        except DomainError as exc:
            return await detail_form_error(request, viewer, batch_id, storage, exc)
        return Redirect(f"/batches/{batch_id}")

    @get("/batches/{batch_id:int}/epcis.json")
    async def epcis_download(self, viewer: Actor, batch_id: int) -> Response[dict]:
        document = await epcis.batch_document(viewer, batch_id)
        return Response(
            document,
            media_type="application/ld+json",
            headers={"Content-Disposition": f'attachment; filename="epcis-lo-{batch_id}.jsonld"'},
        )
