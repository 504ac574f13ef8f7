"""An issuance's sheet and ZIP go through temp files (streamed, then stored with put_file): the
stored files are whole, their size is recorded, and no temp file outlives the job, done or failed."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pypdfium2
import pytest

from agrimarket.media.storage import LocalStorage, StorageUnavailable
from tests.traceability.test_stamps_helpers import issue, make_batch, media_bytes
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
