"""The batch page's "one step back, one step forward" forms: add or remove a supplier or recipient."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, Invalid
from agrimarket.media.storage import Storage
from agrimarket.text import ascii_digits
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_values
from traceability.batches import partners
from traceability.batches.pages import detail_form_error
from traceability.batches.schemas import PartnerCreate


def _partner_form(values: dict) -> PartnerCreate:
    """The form's strings as the API shape; a bad date or household number is a field error."""
    try:
        on_date = date.fromisoformat(values.get("on_date", ""))
    except ValueError:
        raise Invalid("on_date", "Ngày không hợp lệ.", "Invalid date.") from None
    household = values.get("household_id", "").strip()
    if household and not ascii_digits(household):
        raise Invalid("household_id", "Hãy chọn hộ trong danh sách.", "Pick a household from the list.")
    return PartnerCreate(
        direction=values.get("direction", ""),
        kind=values.get("kind", ""),
        on_date=on_date,
        name=values.get("name", ""),
        household_id=int(household) if household else None,
        code=values.get("code", ""),
        address=values.get("address", ""),
    )


class PartnerPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @post("/batches/{batch_id:int}/partners")
    async def add(
        self, request: Request, viewer: Actor, batch_id: int, storage: Storage
    ) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            await partners.add_partner(viewer, batch_id, _partner_form(values))
        except DomainError as exc:
            return await detail_form_error(request, viewer, batch_id, storage, exc, partner_values=values)
        return Redirect(f"/batches/{batch_id}#partners")

    @post("/batches/{batch_id:int}/partners/{partner_id:int}/delete")
    async def remove(self, viewer: Actor, batch_id: int, partner_id: int) -> Redirect:
        await partners.remove_partner(viewer, batch_id, partner_id)
        return Redirect(f"/batches/{batch_id}#partners")
