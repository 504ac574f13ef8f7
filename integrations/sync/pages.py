"""The admin's web page for the sync queue: dead (and failing) jobs with a retry button."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, Forbidden
from agrimarket.web.auth import provide_actor
from agrimarket.web.i18n import request_lang
from integrations.sync import admin

TEMPLATE = "integrations/sync_jobs.html"


class SyncJobPages(Controller):
    path = "/admin/sync-jobs"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def jobs(self, viewer: Actor, failing: bool = False, retried: int | None = None) -> Template:
        rows = await admin.troubled_jobs(viewer, include_failing=failing)
        context = {"viewer": viewer, "jobs": rows, "failing": failing, "retried": retried}
        return Template(TEMPLATE, context=context)

    @post("/{job_id:int}/retry")
    async def retry(self, request: Request, viewer: Actor, job_id: int) -> Template | Redirect:
        try:
            await admin.retry_job(viewer, job_id)
        except Forbidden:
            raise
        except DomainError as exc:
            rows = await admin.troubled_jobs(viewer)
            context = {
                "viewer": viewer,
                "jobs": rows,
                "failing": False,
                "message": exc.message(request_lang(request)),
            }
            return Template(TEMPLATE, context=context, status_code=exc.status_code)
        return Redirect(f"/admin/sync-jobs?retried={job_id}")
