"""Fixed lists a product chooses from, with Vietnamese and English labels."""

from __future__ import annotations

CATEGORIES: dict[str, tuple[str, str]] = {
    "rau_cu": ("Rau, củ", "Vegetables"),
    "trai_cay": ("Trái cây", "Fruit"),
    "lua_gao": ("Lúa gạo, ngũ cốc", "Rice and grains"),
    "thuy_san": ("Thủy sản", "Aquaculture"),
    "hai_san": ("Hải sản", "Seafood"),
    "thit_trung": ("Thịt, trứng, gia cầm", "Meat, eggs, poultry"),
    "che_ca_phe": ("Chè, cà phê, ca cao", "Tea, coffee, cocoa"),
    "gia_vi_duoc_lieu": ("Gia vị, dược liệu", "Spices and herbs"),
    "mat_ong": ("Mật ong", "Honey"),
    "che_bien": ("Đặc sản chế biến", "Processed specialities"),
    "khac": ("Khác", "Other"),
}

UNITS: dict[str, tuple[str, str]] = {
    "kg": ("kg", "kg"),
    "yen": ("yến (10 kg)", "yến (10 kg)"),
    "ta": ("tạ (100 kg)", "tạ (100 kg)"),
    "tan": ("tấn", "tonne"),
    "bo": ("bó", "bunch"),
    "qua": ("quả", "piece (fruit)"),
    "chuc": ("chục", "ten"),
    "buong": ("buồng", "hand (bananas)"),
    "hop": ("hộp", "box"),
    "goi": ("gói", "pack"),
    "tui": ("túi", "bag"),
    "chai": ("chai", "bottle"),
    "lit": ("lít", "litre"),
    "con": ("con", "head (animal)"),
    "cay": ("cây", "plant"),
}

# Grams in one unit of the units that are a mass: their weight needs no typing.
UNIT_GRAMS: dict[str, int] = {"kg": 1000, "yen": 10_000, "ta": 100_000, "tan": 1_000_000}

CERTIFICATIONS: dict[str, tuple[str, str]] = {
    "vietgap": ("VietGAP", "VietGAP"),
    "globalgap": ("GlobalGAP", "GlobalGAP"),
    "organic": ("Hữu cơ", "Organic"),
    "ocop_3": ("OCOP 3 sao", "OCOP 3 stars"),
    "ocop_4": ("OCOP 4 sao", "OCOP 4 stars"),
    "ocop_5": ("OCOP 5 sao", "OCOP 5 stars"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "draft": ("Nháp", "Draft"),
    "active": ("Đang bán", "Active"),
    "archived": ("Đã ẩn", "Archived"),
}


def label(table: dict[str, tuple[str, str]], key: str, lang: str = "vi") -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def choices(table: dict[str, tuple[str, str]], lang: str = "vi") -> list[tuple[str, str]]:
    return [(key, label(table, key, lang)) for key in table]


def unit_weight_grams(unit: str, typed_g: int | None) -> int | None:
    """The weight of one selling unit: implied by a mass unit, else what the farmer typed (or None)."""
    return UNIT_GRAMS.get(unit, typed_g)
