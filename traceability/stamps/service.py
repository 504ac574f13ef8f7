"""Stamps: issue serials for a batch and describe its issuances — always within the actor's scope.

Stamps are written ``active`` in the same transaction as their issuance: the sheet is printed from
rows that already exist, so there is no window where a printed stamp is unknown. (``issued`` is
kept in the schema for imports of pre-printed stock.)
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Count

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.db.direct import fetch_direct
from agrimarket.errors import Conflict, Invalid, NotFound
from agrimarket.media.storage import Storage
from agrimarket.products.service import ensure_writable
from traceability.areas.access import visible_batches
from traceability.batches import service as batches
from traceability.settings import TraceabilitySettings
from traceability.stamps import budget, digital_link, quota, serials
from traceability.stamps.label_layout import LABEL_SIZES
from traceability.stamps.schemas import MAX_STAMPS, IssueRead
from traceability.tables import Batch, Stamp, StampIssue

CHUNK = 5000  # rows per INSERT (two arrays or one JSON text of them: no parameter-count limit)
LEASE = timedelta(minutes=2)  # how long a renderer's claim on a job lasts unless renewed


def _issue_not_found() -> NotFound:
    return NotFound("Không tìm thấy đợt phát hành tem.", "Stamp issuance not found.")


async def writable_batch(actor: Actor, batch_id: int) -> None:
    """404 when the batch is outside the actor's scope; 403 for officers."""
    row = await Batch.select(Batch.product).where(Batch.id == batch_id).first()
    if row is None:
        raise batches.not_found()
    try:
        await ensure_writable(actor, row["product"])
    except NotFound:
        raise batches.not_found() from None


# One statement per chunk with the serials and positions as two arrays (PostgreSQL) or one JSON
# array (SQLite): building 1,000 Piccolo rows and their 6,000 parameters cost more than the write.
# Every other column takes its database default.
_INSERT_PG = """INSERT INTO stamp (serial, batch, issuance, seq, status, created_at)
SELECT s, {}, {}, q, 'active', {} FROM unnest({}::varchar[], {}::int[]) AS fresh(s, q)
ON CONFLICT (serial) DO NOTHING RETURNING seq"""
# WHERE true: SQLite's parser needs it between an INSERT's SELECT and its ON CONFLICT.
_INSERT_SQLITE = """INSERT INTO stamp (serial, batch, issuance, seq, status, created_at)
SELECT json_extract(value, '$[0]'), {}, {}, json_extract(value, '$[1]'), 'active', {} FROM json_each({})
WHERE true ON CONFLICT (serial) DO NOTHING RETURNING seq"""


async def insert_stamps(issue_id: int, batch_id: int, count: int, now: datetime) -> None:
    """Insert ``count`` fresh serials; a serial that collides with an existing one is drawn again."""
    for start in range(0, count, CHUNK):
        seqs = list(range(start + 1, min(start + CHUNK, count) + 1))
        while seqs:
            fresh = serials.new_serials(len(seqs))
            if isinstance(Stamp._meta.db, PostgresEngine):
                done = await fetch_direct(Stamp, _INSERT_PG, batch_id, issue_id, now, fresh, seqs)
            else:
                pairs = json.dumps(list(zip(fresh, seqs, strict=True)))
                done = await Stamp.raw(_INSERT_SQLITE, batch_id, issue_id, now, pairs)
            inserted = {r["seq"] for r in done}
            seqs = [q for q in seqs if q not in inserted]


async def create_issue(
    actor: Actor,
    batch_id: int,
    count: int,
    label_size: str,
    claimed: bool = False,
    with_pin: bool = False,
    limits: TraceabilitySettings | None = None,
    storage: Storage | None = None,
    digital_link_qr: bool | None = False,
    public_base_url: str = "",
) -> int:
    """Validate, check scope and the batch's flag, then write the issuance and its stamps.

    The issuance is queued for the background renderer, or already ``claimed`` by the caller, who
    renders it at once (a crash there leaves a lease that expires, and the renderer takes over).
    ``with_pin``: the renderer draws a scratch-off PIN per label (see traceability.stamps.pins).
    ``limits``: the owner's daily count and background-job cap are checked (traceability.stamps.quota)
    and room is made in ``storage`` for the files (traceability.stamps.budget); every request passes
    them, only the demo seed and the bench leave them out.
    ``digital_link_qr``: the QR carries the GS1 Digital Link (traceability.stamps.digital_link) under
    ``public_base_url``; None means yes when the product has a GTIN. The label size must hold it.
    """
    if not 1 <= count <= MAX_STAMPS:
        raise Invalid("count", "Số tem phải từ 1 đến 100.000.", "Issue between 1 and 100,000 stamps.")
    if label_size not in LABEL_SIZES:
        raise Invalid(
            "label_size",
            f"Khổ tem phải là một trong: {', '.join(LABEL_SIZES)}.",
            f"Label size must be one of: {', '.join(LABEL_SIZES)}.",
        )
    await writable_batch(actor, batch_id)
    await batches.assert_stampable(batch_id)
    if LABEL_SIZES[label_size].lang:
        await _assert_exportable(batch_id)
    with_link = await digital_link.wanted(batch_id, digital_link_qr)
    if with_link:
        digital_link.assert_fits(label_size, await digital_link.content(batch_id, public_base_url, True))
    owner = await quota.owner_of(batch_id)
    if limits is not None:
        await quota.check(owner, count, limits)  # early, before any file is removed for room
        if storage is not None:
            await budget.make_room(count, limits, storage)
    async with write_transaction():
        if limits is not None:
            await quota.lock_owner(owner)
            await quota.check(owner, count, limits)
        now = datetime.now(UTC)
        issue = StampIssue(
            batch=batch_id,
            stamp_count=count,
            label_size=label_size,
            with_pin=with_pin,
            digital_link=with_link,
            status="running" if claimed else "queued",
            claimed_until=now + LEASE if claimed else None,
            created_by=actor.user_id,
            created_at=now,
        )
        await issue.save()
        await insert_stamps(issue.id, batch_id, count, now)
        await audit.record(actor, "batch", batch_id, "stamps_issued", {"issue": issue.id, "count": count})
    return issue.id


async def _assert_exportable(batch_id: int) -> None:
    """Export labels print the growing-area and packing-facility codes: both must be issued (409)."""
    row = (
        await Batch.select(
            Batch.growing_area.official_code.as_alias("area"),
            Batch.packing_facility.official_code.as_alias("facility"),
        )
        .where(Batch.id == batch_id)
        .first()
    )
    assert row is not None
    lacking = [
        words
        for code, words in (
            (row["area"], ("mã số vùng trồng", "a growing-area code")),
            (row["facility"], ("mã số cơ sở đóng gói", "a packing-facility code")),
        )
        if not code
    ]
    if lacking:
        raise Conflict(
            "Tem xuất khẩu in mã số vùng trồng và mã số cơ sở đóng gói; lô còn thiếu: "
            + ", ".join(vi for vi, _ in lacking)
            + ".",
            "Export labels print the growing-area and packing-facility codes; the batch lacks "
            + " and ".join(en for _, en in lacking)
            + ".",
        )


def storage_keys(issue_id: int, label_size: str) -> tuple[str, str]:
    """Unguessable keys: a sheet lists genuine serials, so its address must not be enumerable."""
    folder = f"stamps/{issue_id}-{secrets.token_urlsafe(16)}"
    return f"{folder}/tem-{issue_id}-{label_size}.pdf", f"{folder}/tem-{issue_id}-{label_size}-png.zip"


def _read(row: dict[str, Any], storage: Storage, revoked: int = 0) -> IssueRead:
    return IssueRead(
        id=row["id"],
        batch_id=row["batch"],
        stamp_count=row["stamp_count"],
        label_size=row["label_size"],
        with_pin=row["with_pin"],
        digital_link=row["digital_link"],
        status=row["status"],
        progress=row["progress"],
        pdf_url=storage.url(row["sheet_key"]) if row["status"] == "done" and row["sheet_key"] else None,
        zip_url=storage.url(row["zip_key"]) if row["status"] == "done" and row["zip_key"] else None,
        error=row["error"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        page_url=f"/stamps/issues/{row['id']}",
        revoked=revoked,
        files_removed=row["files_removed_at"] is not None and row["sheet_key"] is None,
    )


async def _revoked_counts(issue_ids: list[int]) -> dict[int, int]:
    if not issue_ids:
        return {}
    rows = (
        await Stamp.select(Stamp.issuance, Count(alias="revoked"))
        .where(Stamp.issuance.is_in(issue_ids) & (Stamp.status == "revoked"))
        .group_by(Stamp.issuance)
    )
    return {r["issuance"]: r["revoked"] for r in rows}


async def get_issue(actor: Actor, issue_id: int, storage: Storage) -> IssueRead:
    row = await StampIssue.select().where(StampIssue.id == issue_id).first()
    if row is None or not await Batch.exists().where(visible_batches(actor)).where(Batch.id == row["batch"]):
        raise _issue_not_found()
    return _read(row, storage, (await _revoked_counts([issue_id])).get(issue_id, 0))


async def list_issues(actor: Actor, batch_id: int, storage: Storage) -> list[IssueRead]:
    """A visible batch's issuances, newest first, with how many of each were revoked (404 outside scope)."""
    await batches.get_batch(actor, batch_id)
    rows = (
        await StampIssue.select().where(StampIssue.batch == batch_id).order_by(StampIssue.id, ascending=False)
    )
    revoked = await _revoked_counts([r["id"] for r in rows])
    return [_read(row, storage, revoked.get(row["id"], 0)) for row in rows]
