"""The household's own processing log over the API: who read its data (``access_log.looks_at``)."""

from __future__ import annotations

from litestar import get
from litestar.di import Provide

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Forbidden
from agrimarket.privacy.access_log import Look, looks_at
from agrimarket.web.auth import provide_actor


@get("/api/v1/me/data-access", tags=["privacy"], dependencies={"actor": Provide(provide_actor)})
async def my_data_access(actor: Actor) -> list[Look]:
    """Who (officers, the cooperative's manager, admins) read this household's data: the 50 newest."""
    if actor.role != Role.HOUSEHOLD or actor.household_id is None:
        raise Forbidden(
            "Chỉ hộ sản xuất xem được ai đã xem dữ liệu của hộ mình.",
            "Only a household can see who looked at its own data.",
        )
    return await looks_at(actor.household_id)
