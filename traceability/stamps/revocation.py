"""Revoking stamps: one serial, a range (first and last serial, or an issuance's seq range), a batch.

The reason is kept on every revoked stamp and shown in red on its scan page. Only someone who may
write the batch revokes; to anyone else a stamp they cannot touch looks absent (404).
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, NotFound
from agrimarket.text import clean_line
from traceability.stamps import serials
from traceability.stamps.schemas import MAX_REASON, RevokeRequest
from traceability.stamps.service import writable_batch
from traceability.tables import Stamp, StampIssue


def not_in_batch() -> NotFound:
    return NotFound("Tem này không thuộc lô hàng này.", "This stamp does not belong to this batch.")


async def _stamp(text: str) -> dict:
    """The stamp (batch, issuance, seq) a typed or scanned serial names; 404 when there is none."""
    serial = serials.normalise(text or "")
    row = (
        await Stamp.select(Stamp.serial, Stamp.batch, Stamp.issuance, Stamp.seq)
        .where(Stamp.serial == (serial or ""))
        .first()
    )
    if row is None:
        raise serials.stamp_not_found()
    return row


async def _serial_range(first_text: str | None, last_text: str | None) -> tuple[int, Combinable]:
    if not (first_text or "").strip() or not (last_text or "").strip():
        raise Invalid(
            "to_serial",
            "Hãy nhập cả mã tem đầu và mã tem cuối của khoảng.",
            "Give both the first and the last serial of the range.",
        )
    assert first_text is not None and last_text is not None  # both checked above
    first, last = await _stamp(first_text), await _stamp(last_text)
    if first["issuance"] != last["issuance"]:
        raise Invalid(
            "to_serial",
            "Tem đầu và tem cuối phải thuộc cùng một đợt in tem.",
            "The first and last stamps must come from the same issuance.",
        )
    low, high = sorted((first["seq"], last["seq"]))  # either order: the range is what lies between
    where = (Stamp.issuance == first["issuance"]) & (Stamp.seq >= low) & (Stamp.seq <= high)
    return first["batch"], where


async def _seq_range(issuance_id: int, from_seq: int | None, to_seq: int | None) -> tuple[int, Combinable]:
    if from_seq is None or to_seq is None or not 1 <= from_seq <= to_seq:
        raise Invalid("from_seq", "Hãy cho khoảng số thứ tự hợp lệ.", "Give a valid from_seq..to_seq range.")
    row = await StampIssue.select(StampIssue.batch).where(StampIssue.id == issuance_id).first()
    if row is None:
        raise NotFound("Không tìm thấy đợt phát hành tem.", "Stamp issuance not found.")
    where = (Stamp.issuance == issuance_id) & (Stamp.seq >= from_seq) & (Stamp.seq <= to_seq)
    return row["batch"], where


async def _target(data: RevokeRequest) -> tuple[int, Combinable]:
    """(batch id, which stamps) the request names."""
    if data.serial is not None:
        row = await _stamp(data.serial)
        return row["batch"], Stamp.serial == row["serial"]
    if data.from_serial is not None or data.to_serial is not None:
        return await _serial_range(data.from_serial, data.to_serial)
    if data.issuance_id is not None:
        return await _seq_range(data.issuance_id, data.from_seq, data.to_seq)
    if data.batch_id is not None:
        return data.batch_id, Stamp.batch == data.batch_id
    raise Invalid(
        "serial", "Hãy chọn tem, khoảng tem hoặc lô cần thu hồi.", "Give a serial, a range or a batch."
    )


async def revoke(actor: Actor, data: RevokeRequest, within_batch: int | None = None) -> int:
    """Revoke the stamps the request names (``within_batch``: they must be of that batch); returns
    how many changed (stamps already revoked keep their first reason)."""
    reason = clean_line(data.reason)
    if not reason or len(reason) > MAX_REASON:
        raise Invalid(
            "reason", "Hãy ghi lý do thu hồi (tối đa 500 ký tự).", "Give a reason (up to 500 characters)."
        )
    batch_id, where = await _target(data)
    try:
        await writable_batch(actor, batch_id)
    except NotFound:
        if data.serial is not None or data.from_serial is not None:
            raise serials.stamp_not_found() from None
        raise
    if within_batch is not None and batch_id != within_batch:
        raise not_in_batch()
    async with write_transaction():
        changed = (
            await Stamp.update(
                {Stamp.status: "revoked", Stamp.revoked_reason: reason, Stamp.revoked_at: datetime.now(UTC)}
            )
            .where(where)
            .where(Stamp.status != "revoked")
            .returning(Stamp.id)
        )
        if changed:
            named = {k: v for k, v in msgspec.structs.asdict(data).items() if v not in (None, "")}
            await audit.record(actor, "batch", batch_id, "stamps_revoked", named | {"count": len(changed)})
    return len(changed)
