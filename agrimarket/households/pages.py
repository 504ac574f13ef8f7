"""Officer pages for the bulk household import, with a progress bar that survives reloads."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, Invalid
from agrimarket.households import importer
from agrimarket.households.api import problems_response
from agrimarket.households.sheets import MAX_FILE_BYTES
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error


class HouseholdImportPages(Controller):
    path = "/households/import"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def form(self, viewer: Actor) -> Template:
        importer.require_importer(viewer)  # the upload would be refused: say so before the form
        return Template("households/import.html", context={"viewer": viewer})

    @post("/", request_max_body_size=MAX_FILE_BYTES + 64 * 1024)
    async def upload(self, request: Request, viewer: Actor) -> Template | Redirect:
        form = await request.form()
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Invalid("file", "Hãy chọn tệp Excel hoặc CSV.", "Choose an Excel or CSV file.")
            job_id, rows = await importer.start_import(viewer, upload.filename, await upload.read())
        except DomainError as exc:
            return form_error(request, "households/import.html", exc, {"viewer": viewer})
        return Redirect(
            f"/households/import/{job_id}",
            background=BackgroundTask(importer.run_import, job_id, rows, viewer),
        )

    @get("/{job_id:int}")
    async def progress(self, request: Request, viewer: Actor, job_id: int) -> Template:
        job = await importer.get_import(viewer, job_id)
        fragment = request.headers.get("hx-request") == "true"
        template = "households/_progress.html" if fragment else "households/import_job.html"
        return Template(template, context={"viewer": viewer, "job": job})

    @get("/{job_id:int}/problems.csv", media_type="text/csv")
    async def problems(self, viewer: Actor, job_id: int) -> Response[bytes]:
        return problems_response(job_id, await importer.problems(viewer, job_id))
