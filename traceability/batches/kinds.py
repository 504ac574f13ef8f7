"""Diary event kinds, and the kinds of a batch's suppliers and recipients, with their labels."""

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


# Simplified Chinese for the public scan page (buyers in China scan export produce).
KINDS_ZH: dict[str, str] = {
    "planting": "种植",
    "input_use": "施肥 / 施药",
    "irrigation": "灌溉",
    "harvesting": "采收",
    "packing": "包装",
    "shipping": "运输",
}
INPUT_TYPES_ZH: dict[str, str] = {"fertiliser": "施肥", "pesticide": "施用农药"}


def event_label_zh(kind: str, details: dict) -> str:
    """The diary entry's label in Simplified Chinese, built like ``event_label``'s."""
    label = KINDS_ZH.get(kind, kind)
    if kind == "input_use":
        label = INPUT_TYPES_ZH.get(details.get("input_type", ""), label)
        if details.get("product_name"):
            label = f"{label}：{details['product_name']}"
    elif kind == "shipping" and details.get("destination"):
        label = f"运往{details['destination']}"
    return label


# direction -> kind -> (Vietnamese, English)
PARTNER_KINDS: dict[str, dict[str, tuple[str, str]]] = {
    "supplier": {
        "member_household": ("Hộ thành viên", "Member household"),
        "farm": ("Hộ/cơ sở sản xuất", "Farm"),
        "input_dealer": ("Đại lý vật tư", "Input dealer"),
        "collector": ("Thương lái, cơ sở thu gom", "Collector"),
    },
    "recipient": {
        "buyer": ("Người mua", "Buyer"),
        "packer": ("Cơ sở đóng gói", "Packer"),
        "distributor": ("Nhà phân phối", "Distributor"),
        "retailer": ("Cửa hàng bán lẻ", "Retailer"),
        "processor": ("Cơ sở chế biến", "Processor"),
        "exporter": ("Doanh nghiệp xuất khẩu", "Exporter"),
    },
}


def partner_label(direction: str, kind: str, lang: str = "vi") -> str:
    vi, en = PARTNER_KINDS.get(direction, {}).get(kind, (kind, kind))
    return en if lang == "en" else vi
