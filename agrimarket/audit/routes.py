"""The audit log over the API and as a page; read-only by design (no route writes or edits it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.di import Provide
from litestar.response import Template

from agrimarket.accounts.actor import Actor
from agrimarket.audit.service import entries
from agrimarket.web.auth import provide_actor


class AuditEntryRead(msgspec.Struct):
    id: int
    at: datetime
    user_id: int | None
    user_name: str
    role: str
    entity: str
    entity_id: int | None
    action: str
    changes: dict[str, Any]
    household: int | None
    cooperative: int | None
    client_address: str
    user_agent: str


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_entries(
        self,
        actor: Actor,
        entity: str | None = None,
        entity_id: int | None = None,
        since: date | None = None,
        until: date | None = None,
        before_id: int | None = None,
    ) -> list[AuditEntryRead]:
        """Newest first, 100 at a time; ``before_id`` (the last id seen) gives the next page."""
        rows = await entries(actor, entity, entity_id, since, until, before_id)
        return [msgspec.convert(row, AuditEntryRead) for row in rows]


class AuditPages(Controller):
    path = "/audit"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def show(
        self,
        viewer: Actor,
        entity: str | None = None,
        entity_id: int | None = None,
        before_id: int | None = None,
    ) -> Template:
        rows = await entries(viewer, entity, entity_id, before_id=before_id)
        context = {"viewer": viewer, "rows": rows, "entity": entity or "", "entity_id": entity_id}
        return Template("audit/index.html", context=context)
