"""An area's households over the JSON API (officers of the area, admins; one household also for
itself and its cooperative's manager). Every read is in the processing log."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import Provide
from litestar.params import QueryParameter

from agrimarket.accounts.actor import Actor
from agrimarket.households import directory
from agrimarket.households.directory import HouseholdDetail, HouseholdRow
from agrimarket.web.auth import provide_actor
from agrimarket.web.downloads import attachment
from agrimarket.web.input import MAX_ID

AreaCode = Annotated[
    str | None,
    QueryParameter(name="area", default=None, description="province (2 digits) or commune (5 digits) code"),
]
# 0: from the start; the service refuses what the schema does not allow (422 naming it).
AfterId = Annotated[int, QueryParameter(name="after_id", schema_extra={"minimum": 0, "maximum": MAX_ID})]
Reason = Annotated[
    str | None,
    QueryParameter(
        name="reason",
        default=None,
        description=(
            "required, at least 10 characters: why the list with phone numbers is needed (logged, and "
            "shown to the households); without one, 422 naming the field, in words"
        ),
    ),
]


class HouseholdDirectoryController(Controller):
    path = "/api/v1/households"
    tags = ["households"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_households(
        self, actor: Actor, area: AreaCode = None, after_id: AfterId = 0
    ) -> list[HouseholdRow]:
        """The area's households, 200 at a time by id (no phone numbers); ``after_id`` (the last id
        seen) gives the next page."""
        return await directory.list_households(actor, area, after_id)

    @get("/{household_id:int}")
    async def household(self, actor: Actor, household_id: int) -> HouseholdDetail:
        return await directory.household_detail(actor, household_id)

    @get("/export.csv", media_type="text/csv")
    async def export_csv(self, actor: Actor, area: AreaCode = None, reason: Reason = None) -> Response[bytes]:
        """The area's households with phone numbers; ``reason`` is required (422 without one)."""
        name, body = await directory.export_csv(actor, area, reason)
        return attachment(body, "text/csv", name)
