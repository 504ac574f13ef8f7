"""The farming diary: validating each kind of entry, and the pre-harvest-interval (PHI) rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from agrimarket.clock import local_date
from agrimarket.dates import check_date
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid
from agrimarket.events import BatchFlagged, publish
from agrimarket.text import ascii_int, clean_line
from traceability.batches.kinds import INPUT_TYPES, KINDS
from traceability.tables import Batch, BatchEvent

MAX_PHI_DAYS = 365
_TEXT_LIMIT = 200
# Optional free-text facts each kind accepts (beyond the required ones checked below).
_OPTIONAL = {
    "planting": ("variety", "note"),
    "input_use": ("note",),
    "irrigation": ("water_source", "note"),
    "harvesting": ("quantity", "note"),
    "packing": ("packaging", "note"),
    "shipping": ("carrier", "note"),
}
_REQUIRED = {
    "input_use": ("input_type", "product_name", "dose"),
    "shipping": ("destination",),
}


def clean_details(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """Kind-specific facts, trimmed; unknown keys and missing required ones are a 422."""
    if kind not in KINDS:
        raise Invalid(
            "kind", "Loại nhật ký không hợp lệ.", f"Unknown event kind; use one of {', '.join(KINDS)}."
        )
    errors: dict[str, tuple[str, str]] = {}
    allowed = {
        *_OPTIONAL[kind],
        *_REQUIRED.get(kind, ()),
        *(("active_ingredient", "phi_days") if kind == "input_use" else ()),
    }
    clean: dict[str, Any] = {}
    for key, raw in (details or {}).items():
        if key not in allowed:
            errors[key] = (
                "Thông tin này không dùng cho loại nhật ký này.",
                "Not a field of this event kind.",
            )
            continue
        if key == "phi_days":
            continue
        text = clean_line(str(raw if raw is not None else ""))
        if len(text) > _TEXT_LIMIT:
            errors[key] = (f"Dài quá {_TEXT_LIMIT} ký tự.", f"Longer than {_TEXT_LIMIT} characters.")
        elif text:
            clean[key] = text
    for key in _REQUIRED.get(kind, ()):
        if key not in clean and key not in errors:
            errors[key] = ("Không được để trống.", "Required.")
    if kind == "input_use":
        _input_use(details or {}, clean, errors)
    if errors:
        raise Invalid.from_fields(
            {f"details.{k}" if not k.startswith("details.") else k: v for k, v in errors.items()}
        )
    return clean


def _input_use(details: dict, clean: dict, errors: dict) -> None:
    if clean.get("input_type") not in INPUT_TYPES and "input_type" not in errors:
        errors["input_type"] = ("Chọn bón phân hoặc phun thuốc.", "Choose fertiliser or pesticide.")
    if clean.get("input_type") != "pesticide":
        if details.get("phi_days") not in (None, ""):
            clean["phi_days"] = 0
        return
    if not clean.get("active_ingredient"):
        errors["active_ingredient"] = ("Ghi hoạt chất của thuốc.", "Give the pesticide's active ingredient.")
    raw = details.get("phi_days")
    phi = ascii_int(str(raw)) if raw not in (None, "") and not isinstance(raw, bool) else None
    if phi is None or not 0 <= phi <= MAX_PHI_DAYS:
        errors["phi_days"] = (
            f"Thời gian cách ly phải là số ngày từ 0 đến {MAX_PHI_DAYS}.",
            f"The pre-harvest interval must be a number of days from 0 to {MAX_PHI_DAYS}.",
        )
    else:
        clean["phi_days"] = phi


def clean_time(occurred_at: datetime | None) -> datetime:
    """UTC; the client must say its offset, and a diary entry cannot be in the future."""
    now = datetime.now(UTC)
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Invalid(
            "occurred_at",
            "Thời điểm cần có múi giờ (ví dụ 2026-11-20T07:30:00+07:00).",
            "The time needs its time-zone offset (e.g. 2026-11-20T07:30:00+07:00).",
        )
    latest = now + timedelta(minutes=10)
    try:
        moment = occurred_at.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved past the calendar's end by its offset
        moment = None
    if moment is not None and moment > latest:
        raise Invalid("occurred_at", "Thời điểm không được ở tương lai.", "The time cannot be in the future.")
    errors: dict[str, tuple[str, str]] = {}
    day = local_date(moment) if moment is not None else occurred_at.date()
    check_date("occurred_at", day, errors, latest=local_date(latest))
    if errors or moment is None:  # an overflowing moment's day is always out of range
        raise Invalid.from_fields(errors)
    return moment


def phi_violation(harvest_days: list[date], sprays: list[dict]) -> str | None:
    """The flag reason when a harvest falls inside a pesticide's PHI, else None."""
    for spray in sprays:
        sprayed = local_date(spray["occurred_at"])
        phi = int(spray["details"].get("phi_days") or 0)
        safe = sprayed + timedelta(days=phi)
        for harvest in sorted(harvest_days):
            if sprayed <= harvest < safe:
                name = spray["details"].get("product_name", "")
                ingredient = spray["details"].get("active_ingredient", "")
                return (
                    f"Thu hoạch ngày {harvest:%d/%m/%Y} trong thời gian cách ly {phi} ngày của thuốc "
                    f"{name} ({ingredient}) phun ngày {sprayed:%d/%m/%Y}; chỉ được thu hoạch từ ngày "
                    f"{safe:%d/%m/%Y}."
                )
    return None


async def recheck_phi(batch_id: int) -> None:
    """Flag the batch when a harvest breaks a PHI; a new finding resets an earlier clearance."""
    batch = await Batch.select(Batch.harvest_date, Batch.flag_reason).where(Batch.id == batch_id).first()
    assert batch is not None
    events = (
        await BatchEvent.select(BatchEvent.kind, BatchEvent.occurred_at, BatchEvent.details)
        .where(BatchEvent.batch == batch_id)
        .output(load_json=True)
    )
    harvests = [
        batch["harvest_date"],
        *(local_date(e["occurred_at"]) for e in events if e["kind"] == "harvesting"),
    ]
    sprays = [
        {**e, "details": dict(e["details"] or {})}
        for e in events
        if e["kind"] == "input_use" and (e["details"] or {}).get("input_type") == "pesticide"
    ]
    sprays.sort(key=lambda e: local_date(e["occurred_at"]))
    reason = phi_violation(harvests, sprays[::-1])  # the latest spray is the one that matters most
    if reason and reason != batch["flag_reason"]:
        async with write_transaction():  # the flag and what its subscribers write
            await Batch.update(
                {
                    Batch.flagged: True,
                    Batch.flag_reason: reason,
                    Batch.cleared_by: None,
                    Batch.cleared_reason: "",
                    Batch.cleared_at: None,
                }
            ).where(Batch.id == batch_id)
            await publish(BatchFlagged(batch_id=batch_id, reason=reason))
