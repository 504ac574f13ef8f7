"""The ten minimum data items of Circular 02/2024/TT-BKHCN, and which ones a batch still lacks.

Items 1, 3, 4, 6 and 7 cannot be missing (a batch always has a product, an owner with a commune, a
harvest date and a lot code; a stamp adds its serial). Items 8 (brand/GTIN) and 9 (shelf life) are
"if any". What a farmer can forget is the photo (2), the diary (5) and the standards applied (10).
"""

from __future__ import annotations

# field name (as in the trace answer) -> (Vietnamese, English) of what to fill in
ITEMS: dict[str, tuple[str, str]] = {
    "product_image": (
        "ảnh sản phẩm (thêm ít nhất một ảnh cho sản phẩm)",
        "a product photo (add at least one photo to the product)",
    ),
    "stages": (
        "công đoạn sản xuất (ghi ít nhất một mục nhật ký cho lô)",
        "production stages (add at least one diary entry to the batch)",
    ),
    "standards": (
        "tiêu chuẩn áp dụng (chứng nhận của sản phẩm hoặc tiêu chuẩn công bố cho lô, ví dụ TCCS, VietGAP)",
        "standards applied (a certification of the product, or a declared standard for the batch)",
    ),
}


def missing(*, has_photo: bool, has_stages: bool, has_standards: bool) -> list[str]:
    """Names (keys of ITEMS) of the required items a batch lacks, in the Circular's order."""
    lacking = []
    if not has_photo:
        lacking.append("product_image")
    if not has_stages:
        lacking.append("stages")
    if not has_standards:
        lacking.append("standards")
    return lacking


def messages(lacking: list[str]) -> tuple[str, str, dict[str, tuple[str, str]]]:
    """The 409's Vietnamese and English sentences and one field entry per missing item."""
    vi = "; ".join(ITEMS[name][0] for name in lacking)
    en = "; ".join(ITEMS[name][1] for name in lacking)
    return (
        "Lô hàng chưa đủ thông tin truy xuất tối thiểu theo Thông tư 02/2024/TT-BKHCN, chưa thể in tem. "
        f"Còn thiếu: {vi}.",
        f"The batch lacks minimum traceability data (Circular 02/2024/TT-BKHCN): no stamps yet. Missing: {en}.",
        {name: ITEMS[name] for name in lacking},
    )


def product_code(gtin: str | None, product_id: int, lot_code: str) -> tuple[str, str]:
    """(code, kind): the GTIN when the product has one, else our own product + lot code."""
    return (gtin, "gtin") if gtin else (f"SP{product_id}/{lot_code}", "agrimarket")


def location_code(official: str | None, area_id: int | None) -> tuple[str, str]:
    """(code, kind): the growing area's official code (mã số vùng trồng), else our area id code."""
    if official:
        return official, "official"
    return f"area:{area_id}", "agrimarket"
