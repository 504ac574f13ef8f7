"""Validation of growing-area fields, shared by the web form and the API; every bad field reported."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agrimarket.dates import check_date, years_after
from agrimarket.errors import Invalid
from agrimarket.text import ascii_decimal, clean_line
from traceability.settings import DEFAULT_CODE_PATTERN

MAX_CODE = 40  # the column's width, whatever pattern is configured
MAX_NAME, MAX_CROP = 150, 100
MAX_AREA_HA = 10_000.0  # bigger than any single farm's growing area; catches m² typed as ha
# Vietnam's mainland bounding box (coastal islands such as Cát Hải and Phú Quốc fall inside).
LAT_RANGE = (8.0, 24.0)
LNG_RANGE = (102.0, 110.0)
CODE_KINDS: dict[str, tuple[str, str]] = {
    "domestic": ("Nội địa", "Domestic"),
    "export": ("Xuất khẩu", "Export"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "unverified": ("Chưa xác minh", "Unverified"),
    "verified": ("Đã xác minh", "Verified"),
    "suspended": ("Đình chỉ", "Suspended"),
    "revoked": ("Thu hồi", "Revoked"),
}
CODE_RULE = (
    "Mã số vùng trồng chỉ gồm chữ in hoa, chữ số và dấu gạch ngang, dài 4–40 ký tự",
    "A growing-area code has only capital letters, digits and hyphens, 4–40 characters long",
)


def _text(values: dict, name: str, limit: int, errors: dict, required: bool = True) -> str:
    text = clean_line(str(values.get(name) or ""))
    if required and not text:
        errors[name] = ("Không được để trống.", "Required.")
    elif len(text) > limit:
        errors[name] = (f"Dài quá {limit} ký tự.", f"Longer than {limit} characters.")
    return text


def _number(raw: Any) -> float | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    return ascii_decimal(str(raw))  # typed: ASCII digits only


def _date(raw: Any) -> date | None:
    if raw is None or raw == "" or isinstance(raw, date):
        return raw or None
    return date.fromisoformat(str(raw))


AREA_CODE = ("Mã số vùng trồng", "The growing-area code")


def clean_code(
    raw: Any, pattern: str = DEFAULT_CODE_PATTERN, noun: tuple[str, str] = AREA_CODE
) -> str | None:
    """The official code as issued (trimmed, upper-case) or None; a 422 that says what is wrong.
    ``noun`` names the code in the message (a growing area's, a packing facility's)."""
    code = str(raw or "").strip().upper()
    if not code:
        return None
    if len(code) > MAX_CODE or not re.fullmatch(pattern, code):
        vi, en = _code_problem(code, pattern, noun)
        raise Invalid("official_code", vi, en)
    return code


def _code_problem(code: str, pattern: str, noun: tuple[str, str]) -> tuple[str, str]:
    """Which rule a code breaks: the default rule named in words, a configured one by its pattern."""
    if pattern != DEFAULT_CODE_PATTERN:
        vi = f"{noun[0]} không đúng mẫu quy định ({pattern})"
        en = f"{noun[1]} does not match the required pattern ({pattern})"
        if len(code) > MAX_CODE:
            vi, en = vi + f"; dài tối đa {MAX_CODE} ký tự", en + f"; at most {MAX_CODE} characters"
        return vi + ".", en + "."
    vi, en = CODE_RULE
    if noun != AREA_CODE:
        vi, en = vi.replace("Mã số vùng trồng", noun[0], 1), en.replace("A growing-area code", noun[1], 1)
    bad = sorted({ch for ch in code if not (ch.isascii() and (ch.isalnum() or ch == "-"))})
    if bad:
        vi += f" (có ký tự không hợp lệ: {' '.join(repr(c) for c in bad)})"
        en += f" (invalid characters: {' '.join(repr(c) for c in bad)})"
    elif not 4 <= len(code) <= MAX_CODE:
        vi += f" (mã đang dài {len(code)} ký tự)"
        en += f" (this one is {len(code)} characters)"
    return vi + ".", en + "."


def clean_area(values: dict[str, Any], pattern: str) -> dict[str, Any]:
    """Validated column values (commune checked separately against the administrative units)."""
    errors: dict[str, tuple[str, str]] = {}
    clean: dict[str, Any] = {
        "name": _text(values, "name", MAX_NAME, errors),
        "crop": _text(values, "crop", MAX_CROP, errors),
    }
    area = _number(values.get("area_ha"))
    if area is None or not 0 < area <= MAX_AREA_HA:
        errors["area_ha"] = (
            f"Diện tích phải là số héc-ta lớn hơn 0 và không quá {MAX_AREA_HA:,.0f} ha.".replace(",", "."),
            f"The area must be a number of hectares above 0 and at most {MAX_AREA_HA:,.0f} ha.",
        )
    clean["area_ha"] = area
    lat, lng = _number(values.get("gps_lat")), _number(values.get("gps_lng"))
    if (lat is None) != (lng is None) and (values.get("gps_lat") or values.get("gps_lng")):
        errors["gps_lat"] = ("Cần cả vĩ độ và kinh độ.", "Give both latitude and longitude.")
    elif (
        lat is not None
        and lng is not None
        and not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1])
    ):
        errors["gps_lat"] = (
            "Tọa độ nằm ngoài Việt Nam (vĩ độ 8–24 Bắc, kinh độ 102–110 Đông).",
            "The position is outside Vietnam (latitude 8–24 N, longitude 102–110 E).",
        )
    clean["gps_lat"], clean["gps_lng"] = lat, lng
    try:
        clean["official_code"] = clean_code(values.get("official_code"), pattern)
    except Invalid as exc:
        errors.update(exc.field_messages)
        clean["official_code"] = None
    kind = str(values.get("code_kind") or "").strip() or None
    market = _text(values, "export_market", 60, errors, required=False) or None
    if clean["official_code"] or "official_code" in errors:
        if kind not in CODE_KINDS:
            errors["code_kind"] = (
                "Hãy chọn loại mã: nội địa hoặc xuất khẩu.",
                "Choose the code kind: domestic or export.",
            )
        elif kind == "export" and not market:
            errors["export_market"] = (
                "Mã xuất khẩu cần ghi thị trường nhập khẩu (ví dụ: Trung Quốc).",
                "An export code needs its importing market (e.g. China).",
            )
    elif kind is not None or market:
        errors["official_code"] = (
            "Chưa có mã số vùng trồng thì không ghi loại mã và thị trường.",
            "Without an official code, leave the code kind and market empty.",
        )
    clean["code_kind"] = kind if clean["official_code"] else None
    clean["export_market"] = market if kind == "export" else None
    try:
        clean["valid_from"] = _date(values.get("valid_from"))
        clean["valid_until"] = _date(values.get("valid_until"))
    except ValueError:
        errors["valid_from"] = ("Ngày không đúng (năm-tháng-ngày).", "Invalid date (YYYY-MM-DD).")
    else:
        if clean["valid_from"] and clean["valid_until"] and clean["valid_until"] < clean["valid_from"]:
            errors["valid_until"] = (
                "Ngày hết hiệu lực phải sau ngày bắt đầu.",
                "The expiry date must not be before the start date.",
            )
        else:
            check_date("valid_from", clean["valid_from"], errors)
            latest = years_after(clean["valid_from"])
            check_date("valid_until", clean["valid_until"], errors, latest=latest)
    if errors:
        raise Invalid.from_fields(errors)
    return clean
