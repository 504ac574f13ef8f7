"""Bulk household import over the JSON API (officers of an area, admins)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_202_ACCEPTED

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.exports import csv_for_excel
from agrimarket.households import importer
from agrimarket.households.sheets import MAX_FILE_BYTES
from agrimarket.web.auth import provide_actor
from agrimarket.web.downloads import attachment
from agrimarket.web.uploads import multipart_only


class ImportRead(msgspec.Struct):
    id: int
    filename: str
    status: str
    total_rows: int
    processed_rows: int
    imported: int
    already_present: int
    rejected: int
    error: str


def import_read(job: dict) -> ImportRead:
    return ImportRead(**{field: job[field] for field in ImportRead.__struct_fields__})


def problems_response(job_id: int, rows: list[dict]) -> Response[bytes]:
    body = csv_for_excel(
        ["Dòng", "Số điện thoại", "Lý do"], ([r["row_number"], r["phone"], r["reason"]] for r in rows)
    )
    return attachment(body, "text/csv", f"nhap-ho-{job_id}-loi.csv")


async def read_upload(data: dict[str, UploadFile]) -> tuple[str, bytes]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise Invalid(
            "file", "Hãy chọn tệp Excel hoặc CSV (trường 'file').", "Attach the spreadsheet as field 'file'."
        )
    return upload.filename or "upload", await upload.read()


class HouseholdImportController(Controller):
    path = "/api/v1/household-imports"
    tags = ["households"]
    dependencies = {"actor": Provide(provide_actor)}

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=MAX_FILE_BYTES + 64 * 1024,
        guards=[multipart_only],
    )
    async def upload(
        self,
        actor: Actor,
        data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[ImportRead]:
        """Upload a commune's XLSX or CSV; rows are imported in the background (poll the job)."""
        job_id, rows = await importer.start_import(actor, *await read_upload(data))
        job = await importer.get_import(actor, job_id)
        task = BackgroundTask(importer.run_import, job_id, rows, actor)
        return Response(import_read(job), status_code=HTTP_202_ACCEPTED, background=task)

    @get("/{job_id:int}")
    async def status(self, actor: Actor, job_id: int) -> ImportRead:
        return import_read(await importer.get_import(actor, job_id))

    @get("/{job_id:int}/problems.csv", media_type="text/csv")
    async def problems(self, actor: Actor, job_id: int) -> Response[bytes]:
        """Every rejected row with its reason in Vietnamese."""
        return problems_response(job_id, await importer.problems(actor, job_id))
