"""The batch page's form for what may be filled in after creation: brand, declared standards and the
packing facility (minimum data items 8 and 10; the facility printed on export labels)."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, Invalid
from agrimarket.media.storage import Storage
from agrimarket.text import ascii_digits
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_values
from traceability.batches import service
from traceability.batches.pages import detail_form_error
from traceability.batches.schemas import BatchUpdate


def _update_form(values: dict) -> BatchUpdate:
    facility = values.get("packing_facility_id", "").strip()
    if facility and not ascii_digits(facility):
        raise Invalid("packing_facility_id", "Hãy chọn trong danh sách.", "Pick one from the list.")
    return BatchUpdate(
        brand=values.get("brand", ""),
        standards=values.get("standards", ""),
        packing_facility_id=int(facility) if facility else None,
    )


class BatchLabelPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @post("/batches/{batch_id:int}/labels")
    async def update(
        self, request: Request, viewer: Actor, batch_id: int, storage: Storage
    ) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            await service.update_labels(viewer, batch_id, _update_form(values))
        except DomainError as exc:
            return await detail_form_error(request, viewer, batch_id, storage, exc, label_values=values)
        return Redirect(f"/batches/{batch_id}")
