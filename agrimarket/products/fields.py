"""Validation of product fields, shared by the web form and the API.

Every bad field gets its own Vietnamese message, all reported at once.
"""

from __future__ import annotations

import re
from typing import Any

from agrimarket.errors import Invalid
from agrimarket.products.catalog import CATEGORIES, CERTIFICATIONS, STATUSES, UNITS
from agrimarket.text import clean_line, clean_text

MAX_PRICE_VND = 1_000_000_000
MAX_STOCK = 100_000_000
MAX_UNIT_WEIGHT_G = 100_000  # 100 kg: more than one parcel a marketplace carries
MAX_NAME, MAX_DESCRIPTION, MAX_HARVEST_SEASON = 150, 2000, 100
_DIGITS = re.compile(r"^[0-9]+$")  # not \d, which takes any script's digits
# Whole grams, thousands grouped or not ("1.500", "1 500", "1500"); a decimal such as "0,5" is refused
# rather than read as 5 g.
# "<marketplace code>.<its attribute id>": the key a marketplace's question names (ports.ExtraField).
_ANSWER_KEY = re.compile(r"^[a-z][a-z0-9_]{1,19}\.[A-Za-z0-9_-]{1,40}$")
MAX_ANSWERS, MAX_ANSWER = 40, 200
_GRAMS = re.compile(r"^(?:[0-9]{1,3}(?:[.,\s][0-9]{3})+|[0-9]+)$")


def parse_int(raw: Any) -> int | None:
    """Accept what people type: "25.000", "25 000", "25,000" are all 25000 đồng."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = re.sub(r"[\s.,_]", "", str(raw or "")).removesuffix("đ").removesuffix("₫")
    return int(text) if _DIGITS.match(text) and len(text) < 19 else None


def parse_grams(raw: Any) -> int | None:
    """Grams as people type them: "500", "500 g", "1.500 gam" (None when it is not a whole number)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = re.sub(r"\s*(?:g|gr|gam|gram)$", "", str(raw).strip().lower())
    return int(re.sub(r"[.,\s]", "", text)) if _GRAMS.match(text) and len(text) < 19 else None


def gtin_ok(gtin: str) -> bool:
    return gtin_problem(gtin) is None


def gtin_problem(gtin: str) -> tuple[str, str] | None:
    """Why ``gtin`` is not a GTIN-8, -12, -13 or -14 (GS1 General Specifications 7.9: mod-10 check
    digit), in Vietnamese and English; None when it is one."""
    if not _DIGITS.match(gtin):
        return (
            "Mã GTIN chỉ gồm chữ số 0–9 (không chữ, không dấu).",
            "A GTIN has only the digits 0–9.",
        )
    if len(gtin) not in (8, 12, 13, 14):
        return (
            f"Mã GTIN có 8, 12, 13 hoặc 14 chữ số, mã này có {len(gtin)}.",
            f"A GTIN has 8, 12, 13 or 14 digits, this one has {len(gtin)}.",
        )
    digits = [int(d) for d in gtin.zfill(14)]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:-1]))
    expected = (10 - total % 10) % 10
    if expected != digits[-1]:
        return (
            f"Số kiểm tra (chữ số cuối) của mã GTIN phải là {expected}: hãy xem lại mã in dưới mã vạch.",
            f"The GTIN's check digit (last digit) should be {expected}: check the number under the barcode.",
        )
    return None


def _text(
    values: dict, name: str, limit: int, errors: dict, required: bool = False, multiline: bool = False
) -> str:
    raw = str(values.get(name) or "")
    # One-line fields collapse runs of spaces; a description keeps its line breaks.
    text = clean_text(raw).strip() if multiline else clean_line(raw)
    if required and not text:
        errors[name] = ("Không được để trống.", "Required.")
    elif len(text) > limit:
        errors[name] = (f"Dài quá {limit} ký tự.", f"Longer than {limit} characters.")
    return text


def clean_product(values: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """Validated column values from raw input; with ``partial`` only the keys given are checked."""
    errors: dict[str, tuple[str, str]] = {}
    clean: dict[str, Any] = {}

    def wanted(name: str) -> bool:
        return not partial or name in values

    if wanted("name"):
        clean["name"] = _text(values, "name", MAX_NAME, errors, required=True)
    if wanted("description"):
        clean["description"] = _text(values, "description", MAX_DESCRIPTION, errors, multiline=True)
    if wanted("harvest_season"):
        clean["harvest_season"] = _text(values, "harvest_season", MAX_HARVEST_SEASON, errors)
    choices = (
        ("category", CATEGORIES, "Hãy chọn loại sản phẩm trong danh sách.", "Pick a category from the list."),
        ("unit", UNITS, "Hãy chọn đơn vị tính trong danh sách.", "Pick a unit from the list."),
        ("status", STATUSES, "Trạng thái không hợp lệ.", "Invalid status."),
    )
    for name, table, vi, en in choices:
        # A missing status is fine even on create: the table default (active) applies.
        if name in values or (wanted(name) and name != "status"):
            if values.get(name) in table:
                clean[name] = values[name]
            else:
                errors[name] = (vi, en)
    if wanted("price_vnd"):
        price = parse_int(values.get("price_vnd"))
        if price is None or not 0 < price <= MAX_PRICE_VND:
            errors["price_vnd"] = (
                "Giá phải là số đồng lớn hơn 0 và không quá 1.000.000.000 đ.",
                "The price must be a whole number of đồng above 0 and at most 1,000,000,000.",
            )
        clean["price_vnd"] = price
    if wanted("stock"):
        stock = parse_int(values.get("stock") if values.get("stock") not in (None, "") else 0)
        if stock is None or not 0 <= stock <= MAX_STOCK:
            errors["stock"] = (
                "Số lượng tồn kho phải là số từ 0 trở lên.",
                "Stock must be a whole number, 0 or more.",
            )
        clean["stock"] = stock
    if wanted("certifications"):
        certs = list(dict.fromkeys(values.get("certifications") or []))
        if any(c not in CERTIFICATIONS for c in certs):
            errors["certifications"] = ("Chứng nhận không có trong danh sách.", "Unknown certification.")
        elif sum(c.startswith("ocop_") for c in certs) > 1:
            errors["certifications"] = ("Chỉ chọn một hạng sao OCOP.", "Pick one OCOP star rating.")
        clean["certifications"] = certs
    if wanted("gtin"):
        gtin = str(values.get("gtin") or "").strip() or None  # stored as 14 digits
        problem = gtin_problem(gtin) if gtin is not None else None
        if problem:
            errors["gtin"] = problem
        clean["gtin"] = gtin.zfill(14) if gtin and not problem else gtin
    if wanted("unit_weight_g"):
        raw = values.get("unit_weight_g")
        given = str(raw if raw is not None else "").strip() != ""
        grams = parse_grams(raw) if given else None
        if given and (grams is None or not 0 < grams <= MAX_UNIT_WEIGHT_G):
            errors["unit_weight_g"] = (
                "Khối lượng mỗi đơn vị phải là số gam nguyên, từ 1 đến 100.000 g (VD: 500).",
                "The weight of one unit must be a whole number of grams, from 1 to 100,000 (e.g. 500).",
            )
        clean["unit_weight_g"] = grams
    if wanted("marketplace_attributes"):
        clean["marketplace_attributes"] = _answers(values.get("marketplace_attributes"), errors)
    if errors:
        raise Invalid.from_fields(errors)
    return clean


def _answers(raw: Any, errors: dict) -> dict[str, str]:
    """The farmer's answers to the marketplaces' questions; an empty answer is no answer."""
    raw = raw if isinstance(raw, dict) else {}
    answers = {str(key): clean_line(str(value or "")) for key, value in raw.items()}
    answers = {key: value for key, value in answers.items() if value}
    if len(answers) > MAX_ANSWERS or not all(_ANSWER_KEY.match(key) for key in answers):
        errors["marketplace_attributes"] = ("Thông tin cho sàn không hợp lệ.", "Invalid marketplace details.")
    elif any(len(value) > MAX_ANSWER for value in answers.values()):
        errors["marketplace_attributes"] = (
            f"Mỗi thông tin cho sàn dài tối đa {MAX_ANSWER} ký tự.",
            f"Each marketplace detail is at most {MAX_ANSWER} characters.",
        )
    return answers
