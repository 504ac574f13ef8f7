"""Diary event kinds with their labels, and Vietnam's clock (UTC+7, no daylight saving)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
VN_OFFSET = "+07:00"

KINDS: dict[str, tuple[str, str]] = {
    "planting": ("Gieo trồng", "Planting"),
    "input_use": ("Bón phân / phun thuốc", "Input use"),
    "irrigation": ("Tưới nước", "Irrigation"),
    "harvesting": ("Thu hoạch", "Harvesting"),
    "packing": ("Đóng gói", "Packing"),
    "shipping": ("Vận chuyển", "Shipping"),
}
INPUT_TYPES: dict[str, tuple[str, str]] = {
    "fertiliser": ("Bón phân", "Fertiliser"),
    "pesticide": ("Phun thuốc BVTV", "Pesticide"),
}


def event_label(kind: str, details: dict) -> tuple[str, str]:
    """(Vietnamese, English) label of one diary entry, naming the input when there is one."""
    vi, en = KINDS.get(kind, (kind, kind))
    if kind == "input_use":
        vi, en = INPUT_TYPES.get(details.get("input_type", ""), (vi, en))
        if details.get("product_name"):
            vi, en = f"{vi}: {details['product_name']}", f"{en}: {details['product_name']}"
    elif kind == "shipping" and details.get("destination"):
        vi, en = f"{vi} đến {details['destination']}", f"{en} to {details['destination']}"
    return vi, en


def local_date(moment: datetime) -> date:
    """The calendar day in Vietnam of a stored (UTC) moment."""
    if moment.tzinfo is None:  # SQLite may hand back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).date()


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ)
