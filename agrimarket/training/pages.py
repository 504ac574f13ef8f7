"""The training page (office PC or phone): record a session with its attendees, see past sessions."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.response import Template

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.areas.service import list_communes, list_provinces
from agrimarket.errors import DomainError, Invalid
from agrimarket.households.sheets import MAX_FILE_BYTES
from agrimarket.tables import Commune, Cooperative
from agrimarket.training import service
from agrimarket.training.access import require_trainer
from agrimarket.training.schemas import MAX_PHONES, TrainingCreate
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values

TEMPLATE = "training/index.html"


async def _home_commune(viewer: Actor) -> str | None:
    """Where a new session most likely took place: the officer's commune, or the cooperative's."""
    if viewer.scope_commune:
        return viewer.scope_commune
    if viewer.cooperative_id:
        row = (
            await Cooperative.select(Cooperative.commune)
            .where(Cooperative.id == viewer.cooperative_id)
            .first()
        )
        return row["commune"] if row else None
    return None


async def _context(viewer: Actor, values: dict[str, Any]) -> dict:
    if not values.get("province"):
        commune = values.get("commune_code") or await _home_commune(viewer)
        row = await Commune.select(Commune.province).where(Commune.code == (commune or "")).first()
        values = {
            "commune_code": commune,
            "province": row["province"] if row else viewer.scope_province,
        } | values
    communes = await list_communes(values["province"]) if values.get("province") else []
    return {
        "viewer": viewer,
        "sessions": await service.list_sessions(viewer),
        "provinces": await list_provinces(),
        "communes": communes,
        "values": {"held_on": clock.today().isoformat()} | values,
        "result": None,
    }


def _session(values: dict[str, Any]) -> TrainingCreate:
    try:
        held_on = date.fromisoformat(values.get("held_on", ""))
    except ValueError as exc:
        raise Invalid("held_on", "Hãy chọn ngày tập huấn.", "Pick the session's date.") from exc
    phones = [p for p in re.split(r"[\n,;]+", values.get("phones", "")) if p.strip()]
    if len(phones) > MAX_PHONES:
        raise Invalid("phones", f"Tối đa {MAX_PHONES} số điện thoại.", f"At most {MAX_PHONES} phone numbers.")
    try:
        return msgspec.convert(
            {
                "held_on": held_on,
                "commune_code": values.get("commune_code", ""),
                "topic": values.get("topic", ""),
                "trainer": values.get("trainer", ""),
                "phones": [p.strip()[:40] for p in phones],
            },
            TrainingCreate,
        )
    except msgspec.ValidationError as exc:
        field = str(exc).rsplit("$.", 1)[-1].split("`")[0].split("[")[0] or "topic"
        raise Invalid(field, "Thông tin quá dài hoặc chưa đúng.", "Too long or not valid.") from exc


class TrainingPages(Controller):
    path = "/trainings"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def index(self, viewer: Actor) -> Template:
        require_trainer(viewer)
        return Template(TEMPLATE, context=await _context(viewer, {}))

    @post("/", request_max_body_size=MAX_FILE_BYTES + 64 * 1024)
    async def record(self, request: Request, viewer: Actor) -> Template:
        """Record the session, then the attendance sheet if one was attached; show who was not marked."""
        form = await request.form()
        values = form_values(form)
        upload = form.get("file")
        try:
            session_id, attendance = await service.create_session(viewer, _session(values))
            if isinstance(upload, UploadFile) and upload.filename:
                sheet = await service.add_from_file(viewer, session_id, upload.filename, await upload.read())
                attendance.added += sheet.added
                attendance.already += sheet.already
                attendance.rejected += sheet.rejected
        except DomainError as exc:
            return form_error(request, TEMPLATE, exc, await _context(viewer, values))
        context = await _context(viewer, {})
        context["result"] = await service.session_read(viewer, session_id, attendance)
        return Template(TEMPLATE, context=context)
