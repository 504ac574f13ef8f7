"""An issuance's sheet and ZIP go through temp files (streamed, then stored with put_file): the
stored files are whole, their size is recorded, and no temp file outlives the job, done or failed."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import io
import logging
import tempfile
import zipfile
from pathlib import Path

import pypdfium2
import pytest
from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from agrimarket.media.storage import LocalStorage, S3Storage, StorageUnavailable, build_storage
from tests import moto_s3
from tests.agrimarket.media.test_storage import s3_settings
from tests.factories import Accounts
from tests.traceability.test_stamps_helpers import BASE, issue, make_batch, media_bytes, pdf_codes
from traceability.stamps import jobs, render
from traceability.tables import StampIssue


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir, ours alone for the test: whatever a job leaves there shows."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


async def test_the_files_are_stored_whole_and_no_temp_file_remains(client, accounts, scratch, monkeypatch):
    stored: dict[str, tuple[Path, int]] = {}
    put_file = LocalStorage.put_file

    async def spy(self, key, path, content_type):
        stored[content_type] = (Path(path), Path(path).stat().st_size)  # still there while storing
        await put_file(self, key, path, content_type)

    monkeypatch.setattr(LocalStorage, "put_file", spy)
    session, _, batch_id = await make_batch(accounts)
    response = await issue(client, session, batch_id, 40)
    assert response.status_code == 201, response.text
    body = response.json()
    pdf, archive = await media_bytes(client, body["pdf_url"]), await media_bytes(client, body["zip_url"])

    assert len(pypdfium2.PdfDocument(pdf)) == 2  # 36 labels a page
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert len(z.namelist()) == 40 and z.testzip() is None
    row = await StampIssue.select(StampIssue.file_bytes).where(StampIssue.id == body["id"]).first()
    assert row["file_bytes"] == len(pdf) + len(archive)
    assert {kind: size for kind, (_, size) in stored.items()} == {
        "application/pdf": len(pdf),
        "application/zip": len(archive),
    }
    assert all(
        path.parent == scratch and path.name.startswith(jobs.SCRATCH_PREFIX) for path, _ in stored.values()
    )
    assert list(scratch.iterdir()) == []


async def test_no_temp_file_remains_when_storing_fails(client, accounts, scratch, monkeypatch):
    async def unavailable(self, key, path, content_type):
        assert Path(path).parent == scratch
        raise StorageUnavailable()

    monkeypatch.setattr(LocalStorage, "put_file", unavailable)
    session, _, batch_id = await make_batch(accounts)
    response = await issue(client, session, batch_id, 5)
    assert response.status_code == 503, response.text
    assert await StampIssue.select(StampIssue.status).where(StampIssue.batch == batch_id).first() == {
        "status": "failed"
    }
    assert list(scratch.iterdir()) == []


async def test_no_temp_file_remains_when_rendering_fails(client, accounts, scratch, monkeypatch):
    written = render.SheetWriter.add

    def add_then_fail(self, png, runs=None):
        written(self, png, runs)  # the files have begun
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render.SheetWriter, "add", add_then_fail)
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 5)).status_code == 500
    row = (
        await StampIssue.select(StampIssue.status, StampIssue.error)
        .where(StampIssue.batch == batch_id)
        .first()
    )
    assert row["status"] == "failed" and "No space left" in row["error"]
    assert list(scratch.iterdir()) == []


s3_endpoint = moto_s3.s3_endpoint  # the fixture


async def test_an_issuance_in_s3(settings, s3_endpoint, scratch):
    """The managed upload stores the sheet and the ZIP with their type and cache header."""
    s3 = dataclasses.replace(settings, media_storage="s3", s3=s3_settings(s3_endpoint))
    async with AsyncTestClient(app=create_app(s3), base_url="http://testserver.local") as client:
        session, _, batch_id = await make_batch(Accounts(client))
        response = await issue(client, session, batch_id, 40)
        assert response.status_code == 201, response.text
        body = response.json()
    storage = build_storage(s3)
    assert isinstance(storage, S3Storage)
    row = await StampIssue.select().where(StampIssue.id == body["id"]).first()
    pdf, archive = await storage.get(row["sheet_key"]), await storage.get(row["zip_key"])
    assert row["file_bytes"] == len(pdf) + len(archive)
    last_page = pdf_codes(pdf, [1])
    assert len(last_page) == 4 and all(code.startswith(BASE) for code in last_page)  # 40 = 36 + 4
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert len(z.namelist()) == 40 and z.testzip() is None
    for key, kind in ((row["sheet_key"], "application/pdf"), (row["zip_key"], "application/zip")):
        head = storage.client.head_object(Bucket=s3.s3.bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (kind, "public, max-age=31536000, immutable")
    assert list(scratch.iterdir()) == []


async def test_a_cancelled_job_leaves_its_render_thread_to_fail_quietly(caplog):
    """Renderer.stop cancels a job mid-render: its thread then fails on the closed temp files."""
    release = asyncio.Event()

    async def render_thread():
        await release.wait()
        raise ValueError("write to closed file")

    job = asyncio.ensure_future(jobs._with_progress(0, render_thread(), [0]))
    await asyncio.sleep(0.05)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    release.set()
    await asyncio.sleep(0.05)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    assert "never retrieved" not in caplog.text
