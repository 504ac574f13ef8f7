"""Rendering issuances: at once for small ones, by a background renderer for large ones.

All state lives in the ``stamp_issue`` row (status, progress, lease), so closing the browser or
restarting the server loses nothing. Several processes may run the renderer: a job is claimed with
a conditional UPDATE (queued, or running with an expired lease), so only one renders it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO

import anyio.to_thread

from agrimarket.accounts.actor import Actor
from agrimarket.media.storage import Storage
from agrimarket.repeated_failure import RepeatedFailureLog
from agrimarket.settings import Settings
from traceability.settings import TraceabilitySettings
from traceability.stamps import budget, digital_link, label_layout, pins, render, service
from traceability.stamps.background import engine_usable
from traceability.stamps.schemas import IssueRead
from traceability.stamps.service import LEASE, storage_keys
from traceability.tables import Batch, Stamp, StampIssue

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between progress writes


async def sheet_spec(
    batch_id: int, label_size: str, public_base_url: str, with_pin: bool = False, with_link: bool = False
) -> label_layout.SheetSpec:
    row = (
        await Batch.select(
            Batch.product.name.as_alias("product_name"),
            Batch.growing_area.official_code.as_alias("area_code"),
            Batch.packing_facility.official_code.as_alias("facility_code"),
        )
        .where(Batch.id == batch_id)
        .first()
    )
    assert row is not None
    content = await digital_link.content(batch_id, public_base_url, with_link)
    version, mask = content.version_and_mask()
    area = row["area_code"] or label_layout.NO_AREA_CODE
    return label_layout.SheetSpec(
        label_size,
        content.prefix,
        row["product_name"],
        area,
        version,
        mask,
        with_pin,
        row["facility_code"],
        content.suffix,
        content.segments,
    )


async def claim(issue_id: int | None = None) -> int | None:
    """Take one job (or the given one): queued, or running with an expired lease. None if none."""
    now = datetime.now(UTC)
    takeable = (StampIssue.status == "queued") | (
        (StampIssue.status == "running") & (StampIssue.claimed_until < now)
    )
    if issue_id is None:
        row = await StampIssue.select(StampIssue.id).where(takeable).order_by(StampIssue.id).first()
        if row is None:
            return None
        issue_id = row["id"]
    taken = (
        await StampIssue.update({StampIssue.status: "running", StampIssue.claimed_until: now + LEASE})
        .where((StampIssue.id == issue_id) & takeable)
        .returning(StampIssue.id)
    )
    return issue_id if taken else None


async def render_claimed(issue_id: int, settings: Settings, storage: Storage) -> dict[str, float]:
    """Render a claimed job, writing progress as it goes, then store the files and mark it done.

    Returns the seconds spent per stage (for the bench).
    """
    issue = await StampIssue.select().where(StampIssue.id == issue_id).first()
    try:
        assert issue is not None  # inside the try: a vanished issuance fails like any other
        spec = await sheet_spec(
            issue["batch"],
            issue["label_size"],
            settings.public_base_url,
            issue["with_pin"],
            issue["digital_link"],
        )
        rows = [
            (r["seq"], r["serial"])
            for r in await Stamp.select(Stamp.seq, Stamp.serial)
            .where(Stamp.issuance == issue_id)
            .order_by(Stamp.seq)
        ]
        pin_of: Sequence[str | None] = [None] * len(rows)
        hashing: asyncio.Future | None = None
        if issue["with_pin"]:
            pin_of, hashes = pins.draw(rows, settings.section(TraceabilitySettings))
            # Written while the labels render (a tenth of the job's time, saved), and awaited before
            # the sheet is stored: a sheet that can be downloaded always has checkable PINs.
            hashing = asyncio.ensure_future(pins.store_hashes(issue_id, hashes))
        stamps = [(seq, serial, pin) for (seq, serial), pin in zip(rows, pin_of, strict=True)]
        done = [0]

        def report(count: int) -> None:
            done[0] = count

        pdf_key, zip_key = storage_keys(issue_id, issue["label_size"])
        # The files go to disk as they render, not to memory (100,000 stamps are hundreds of MB),
        # in the temp dir (TMPDIR); closing removes them, whether the job succeeds or fails.
        with _scratch(issue_id, ".pdf") as pdf, _scratch(issue_id, ".zip") as archive:
            task = anyio.to_thread.run_sync(render.render_issuance, spec, stamps, pdf, archive, report)
            try:
                rendered = await _with_progress(issue_id, task, done)
            finally:
                if hashing is not None:
                    await hashing
            await storage.put_file(pdf_key, pdf.name, "application/pdf")
            await storage.put_file(zip_key, archive.name, "application/zip")
            file_bytes = os.fstat(pdf.fileno()).st_size + os.fstat(archive.fileno()).st_size
        await StampIssue.update(
            {
                StampIssue.status: "done",
                StampIssue.progress: len(stamps),
                StampIssue.sheet_key: pdf_key,
                StampIssue.zip_key: zip_key,
                StampIssue.file_bytes: file_bytes,
                StampIssue.files_removed_at: None,
                StampIssue.claimed_until: None,
                StampIssue.finished_at: datetime.now(UTC),
            }
        ).where(StampIssue.id == issue_id)
        return rendered.timings
    except Exception as exc:
        log.exception("stamp issuance %s failed to render", issue_id)
        await StampIssue.update(
            {StampIssue.status: "failed", StampIssue.error: str(exc)[:500], StampIssue.claimed_until: None}
        ).where(StampIssue.id == issue_id)
        raise


SCRATCH_PREFIX = "agm-stamps-"


def _scratch(issue_id: int, suffix: str) -> IO[bytes]:
    """A temp file with a name (put_file reads it by path) that closing removes."""
    return tempfile.NamedTemporaryFile(prefix=f"{SCRATCH_PREFIX}{issue_id}-", suffix=suffix)


async def _with_progress(issue_id: int, work, done: list[int]):
    """Await ``work`` while writing its progress (and renewing the lease) every half second."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait([task], timeout=PROGRESS_EVERY)
            await StampIssue.update(
                {StampIssue.progress: done[0], StampIssue.claimed_until: datetime.now(UTC) + LEASE}
            ).where(StampIssue.id == issue_id)
    except asyncio.CancelledError:
        # Stopped (the renderer shuts down): the render thread cannot be, but it fails at its next
        # write to the temp files, closed and removed as the cancellation leaves render_claimed.
        # Its error is expected: taken here, not logged as "never retrieved".
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise
    return task.result()


async def issue(
    actor: Actor,
    batch_id: int,
    count: int,
    label_size: str,
    settings: Settings,
    storage: Storage,
    with_pin: bool = False,
    digital_link_qr: bool | None = False,
) -> int:
    """Issue stamps; up to ``background_threshold`` they are rendered at once, beyond it in the background."""
    inline = count <= settings.section(TraceabilitySettings).background_threshold
    issue_id = await service.create_issue(
        actor,
        batch_id,
        count,
        label_size,
        claimed=inline,
        with_pin=with_pin,
        limits=settings.section(TraceabilitySettings),
        storage=storage,
        digital_link_qr=digital_link_qr,
        public_base_url=settings.public_base_url,
    )
    if inline:
        await render_claimed(issue_id, settings, storage)
    return issue_id


async def files_on_demand(issue_id: int, settings: Settings, storage: Storage) -> None:
    """Render again the files of an issuance without PINs that were removed for room (see budget).

    Same serials, same layout: the very labels printed before. Small ones render at once, large
    ones are queued for the background renderer. Sheets with PINs are never rendered again.
    """
    row = (
        await StampIssue.select(StampIssue.stamp_count)
        .where(
            (StampIssue.id == issue_id)
            & (StampIssue.status == "done")
            & StampIssue.files_removed_at.is_not_null()
            & (StampIssue.with_pin == False)  # noqa: E712
        )
        .first()
    )
    if row is None:
        return
    await budget.make_room(row["stamp_count"], settings.section(TraceabilitySettings), storage)
    inline = row["stamp_count"] <= settings.section(TraceabilitySettings).background_threshold
    requeued = (
        await StampIssue.update(
            {
                StampIssue.status: "running" if inline else "queued",
                StampIssue.progress: 0,
                StampIssue.claimed_until: datetime.now(UTC) + LEASE if inline else None,
            }
        )
        .where((StampIssue.id == issue_id) & (StampIssue.status == "done") & StampIssue.sheet_key.is_null())
        .returning(StampIssue.id)
    )
    if requeued and inline:
        await render_claimed(issue_id, settings, storage)


async def read_with_files(actor: Actor, issue_id: int, settings: Settings, storage: Storage) -> IssueRead:
    """An issuance as its page shows it, its removed files rendered again when they can be."""
    issue = await service.get_issue(actor, issue_id, storage)
    if issue.files_removed and not issue.with_pin:
        await files_on_demand(issue_id, settings, storage)
        issue = await service.get_issue(actor, issue_id, storage)
    return issue


async def run_once(settings: Settings, storage: Storage) -> bool:
    """Render one waiting job if there is one; True when a job was rendered."""
    issue_id = await claim()
    if issue_id is None:
        return False
    with contextlib.suppress(Exception):  # already logged and recorded on the row
        await render_claimed(issue_id, settings, storage)
    return True


class Renderer:
    """The background loop started with the app (one per process; jobs are claimed atomically)."""

    def __init__(self) -> None:
        self.task: asyncio.Task | None = None
        # While the database is down every poll fails alike: one traceback, then a line a minute.
        self.failures = RepeatedFailureLog(log, "stamp renderer: poll")

    async def start(self, settings: Settings, storage: Storage) -> None:
        if settings.section(TraceabilitySettings).render_worker and self.task is None:
            self.task = asyncio.create_task(self._loop(settings, storage))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None

    async def _loop(self, settings: Settings, storage: Storage) -> None:
        while True:
            with self.failures:
                while engine_usable() and await run_once(settings, storage):
                    pass
            await asyncio.sleep(settings.section(TraceabilitySettings).render_poll_seconds)
