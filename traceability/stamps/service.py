"""Stamps: issue serials for a batch, describe an issuance, revoke — always within the actor's scope.

Stamps are written ``active`` in the same transaction as their issuance: the sheet is printed from
rows that already exist, so there is no window where a printed stamp is unknown. (``issued`` is
kept in the schema for imports of pre-printed stock.)
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid, NotFound
from agrimarket.media.storage import Storage
from agrimarket.products.service import ensure_writable
from traceability.batches import service as batches
from traceability.stamps import serials
from traceability.stamps.render import LABEL_SIZES
from traceability.stamps.schemas import IssueRead, RevokeRequest
from traceability.tables import Batch, Stamp, StampIssue

MAX_STAMPS = 100_000
CHUNK = 1000  # rows per INSERT: 6 parameters each keeps well under PostgreSQL's 32,767
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


async def insert_stamps(issue_id: int, batch_id: int, count: int, now: datetime) -> None:
    """Insert ``count`` fresh serials; a serial that collides with an existing one is drawn again."""
    for start in range(0, count, CHUNK):
        seqs = list(range(start + 1, min(start + CHUNK, count) + 1))
        while seqs:
            fresh = serials.new_serials(len(seqs))
            rows = [
                Stamp(serial=s, batch=batch_id, issuance=issue_id, seq=q, status="active", created_at=now)
                for s, q in zip(fresh, seqs, strict=True)
            ]
            done = await Stamp.insert(*rows).on_conflict(action="DO NOTHING").returning(Stamp.seq)
            inserted = {r["seq"] for r in done}
            seqs = [q for q in seqs if q not in inserted]


async def create_issue(
    actor: Actor, batch_id: int, count: int, label_size: str, claimed: bool = False
) -> int:
    """Validate, check scope and the batch's flag, then write the issuance and its stamps.

    The issuance is queued for the background renderer, or already ``claimed`` by the caller, who
    renders it at once (a crash there leaves a lease that expires, and the renderer takes over).
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
    now = datetime.now(UTC)
    async with StampIssue._meta.db.transaction():
        issue = StampIssue(
            batch=batch_id,
            stamp_count=count,
            label_size=label_size,
            status="running" if claimed else "queued",
            claimed_until=now + LEASE if claimed else None,
            created_by=actor.user_id,
            created_at=now,
        )
        await issue.save()
        await insert_stamps(issue.id, batch_id, count, now)
    return issue.id


def storage_keys(issue_id: int, label_size: str) -> tuple[str, str]:
    """Unguessable keys: a sheet lists genuine serials, so its address must not be enumerable."""
    folder = f"stamps/{issue_id}-{secrets.token_urlsafe(16)}"
    return f"{folder}/tem-{issue_id}-{label_size}.pdf", f"{folder}/tem-{issue_id}-{label_size}-png.zip"


def _read(row: dict[str, Any], storage: Storage) -> IssueRead:
    return IssueRead(
        id=row["id"],
        batch_id=row["batch"],
        stamp_count=row["stamp_count"],
        label_size=row["label_size"],
        status=row["status"],
        progress=row["progress"],
        pdf_url=storage.url(row["sheet_key"]) if row["status"] == "done" and row["sheet_key"] else None,
        zip_url=storage.url(row["zip_key"]) if row["status"] == "done" and row["zip_key"] else None,
        error=row["error"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        page_url=f"/stamps/issues/{row['id']}",
    )


async def get_issue(actor: Actor, issue_id: int, storage: Storage) -> IssueRead:
    from traceability.areas.access import visible_batches

    row = await StampIssue.select().where(StampIssue.id == issue_id).first()
    if row is None or not await Batch.exists().where(visible_batches(actor)).where(Batch.id == row["batch"]):
        raise _issue_not_found()
    return _read(row, storage)


async def revoke(actor: Actor, data: RevokeRequest) -> int:
    """Revoke one stamp, a seq range of an issuance, or a whole batch; returns how many changed."""
    reason = data.reason.strip()
    if not reason or len(reason) > 500:
        raise Invalid(
            "reason", "Hãy ghi lý do thu hồi (tối đa 500 ký tự).", "Give a reason (up to 500 chars)."
        )
    if data.serial is not None:
        serial = serials.normalise(data.serial)
        row = await Stamp.select(Stamp.batch).where(Stamp.serial == (serial or "")).first()
        if row is None:
            raise NotFound("Tem này không có trong hệ thống.", "This stamp is not in the system.")
        batch_id, where = row["batch"], Stamp.serial == serial
    elif data.issuance_id is not None:
        if data.from_seq is None or data.to_seq is None or not 1 <= data.from_seq <= data.to_seq:
            raise Invalid(
                "from_seq", "Hãy cho khoảng số thứ tự hợp lệ.", "Give a valid from_seq..to_seq range."
            )
        row = await StampIssue.select(StampIssue.batch).where(StampIssue.id == data.issuance_id).first()
        if row is None:
            raise _issue_not_found()
        batch_id = row["batch"]
        where = (
            (Stamp.issuance == data.issuance_id) & (Stamp.seq >= data.from_seq) & (Stamp.seq <= data.to_seq)
        )
    elif data.batch_id is not None:
        batch_id, where = data.batch_id, Stamp.batch == data.batch_id
    else:
        raise Invalid(
            "serial", "Hãy chọn tem, khoảng tem hoặc lô cần thu hồi.", "Give a serial, a range or a batch."
        )
    try:
        await writable_batch(actor, batch_id)
    except NotFound:
        if data.serial is not None:
            raise NotFound("Tem này không có trong hệ thống.", "This stamp is not in the system.") from None
        raise
    changed = (
        await Stamp.update(
            {Stamp.status: "revoked", Stamp.revoked_reason: reason, Stamp.revoked_at: datetime.now(UTC)}
        )
        .where(where)
        .where(Stamp.status != "revoked")
        .returning(Stamp.id)
    )
    return len(changed)
