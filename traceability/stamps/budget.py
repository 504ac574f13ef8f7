"""The deployment's budget for stamp files (``STAMP_DISK_BUDGET_MB``, 2048 MB by default).

Before an issuance is written, its PDF + ZIP are estimated (bytes per stamp measured on the
issuances rendered so far) and room is made by removing the files of finished issuances, oldest
first, in this order:

- sheets without PINs: their serials are in the database and the layout is fixed, so the same
  labels can be rendered again; opening the issuance does so (``jobs.files_on_demand``);
- sheets with PINs, only once older than ``STAMP_PIN_SHEET_KEEP_DAYS`` (90), and then for good: a
  PIN exists only on the sheet (the database keeps its HMAC), so rendering again would print NEW
  PINs that match none of the labels already on the produce — or, storing their HMACs, make every
  printed label fail its check. The stamps themselves stay valid; the issuance says the file is gone.

Queued and rendering issuances count at their estimate. When even then there is no room, the
issuance is refused (409) naming the budget. The check is not atomic with the insert: two large
issuances at the same moment may overshoot the budget by one issuance.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from piccolo.query.functions.aggregate import Sum

from agrimarket.errors import Conflict
from agrimarket.media.storage import Storage, delete_quietly
from traceability.settings import TraceabilitySettings
from traceability.tables import StampIssue

DEFAULT_BYTES_PER_STAMP = 6_000  # PDF + PNG ZIP of a 30 × 40 mm label with a PIN, measured
MB = 1024 * 1024


async def _sum(column, where) -> int:
    row = await StampIssue.select(Sum(column, alias="total")).where(where).first()
    return int((row or {}).get("total") or 0)


async def bytes_per_stamp() -> int:
    measured = StampIssue.file_bytes > 0
    stamps = await _sum(StampIssue.stamp_count, measured)
    return (
        max(1, await _sum(StampIssue.file_bytes, measured) // stamps) if stamps else DEFAULT_BYTES_PER_STAMP
    )


async def committed_bytes(per_stamp: int) -> int:
    """Bytes of the files kept, plus the estimate of the issuances still rendering and of files
    rendered before their size was recorded (the 2026-12-04 migration)."""
    kept = await _sum(StampIssue.file_bytes, StampIssue.sheet_key.is_not_null())
    unmeasured = StampIssue.status.is_in(["queued", "running"]) | (
        StampIssue.sheet_key.is_not_null() & (StampIssue.file_bytes == 0)
    )
    return kept + await _sum(StampIssue.stamp_count, unmeasured) * per_stamp


async def make_room(count: int, limits: TraceabilitySettings, storage: Storage) -> None:
    """Remove old files until ``count`` more stamps fit the budget; 409 when they cannot."""
    budget = limits.stamp_disk_budget_mb * MB
    per_stamp = await bytes_per_stamp()
    needed = count * per_stamp
    used = await committed_bytes(per_stamp)
    if used + needed <= budget:
        return
    now = datetime.now(UTC)
    pin_kept_since = now - timedelta(days=limits.stamp_pin_sheet_keep_days)
    removable = (
        await StampIssue.select(
            StampIssue.id,
            StampIssue.sheet_key,
            StampIssue.zip_key,
            StampIssue.file_bytes,
            StampIssue.stamp_count,
        )
        .where(
            (StampIssue.status == "done")
            & StampIssue.sheet_key.is_not_null()
            & ((StampIssue.with_pin == False) | (StampIssue.finished_at < pin_kept_since))  # noqa: E712
        )
        .order_by(StampIssue.with_pin)
        .order_by(StampIssue.finished_at)
    )
    for row in removable:
        if used + needed <= budget:
            break
        taken = (
            await StampIssue.update(
                {
                    StampIssue.sheet_key: None,
                    StampIssue.zip_key: None,
                    StampIssue.file_bytes: 0,
                    StampIssue.files_removed_at: now,
                }
            )
            .where((StampIssue.id == row["id"]) & (StampIssue.sheet_key == row["sheet_key"]))
            .returning(StampIssue.id)
        )
        if taken:  # not removed meanwhile by another process
            await delete_quietly(storage, [k for k in (row["sheet_key"], row["zip_key"]) if k])
            used -= row["file_bytes"] or row["stamp_count"] * per_stamp
    if used + needed > budget:
        raise Conflict(
            f"Bộ nhớ tệp tem của hệ thống đã đầy (giới hạn STAMP_DISK_BUDGET_MB = "
            f"{limits.stamp_disk_budget_mb} MB, cần thêm khoảng {needed // MB + 1} MB). Hãy phát hành "
            "ít tem hơn, hoặc nhờ quản trị viên tăng giới hạn.",
            f"The deployment's stamp file budget is full (STAMP_DISK_BUDGET_MB = "
            f"{limits.stamp_disk_budget_mb} MB, about {needed // MB + 1} MB more needed). Issue fewer "
            "stamps, or ask the administrator to raise the budget.",
        )
