"""Diary event kinds with their labels."""

from __future__ import annotations

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
