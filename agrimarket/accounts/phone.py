"""Vietnamese mobile numbers: accept what people type, store one canonical form (0XXXXXXXXX)."""

from __future__ import annotations

import re

from agrimarket.errors import Invalid
from agrimarket.text import ascii_digits

# Mobile prefixes after the 2018 renumbering (Viettel, Vinaphone, MobiFone, Vietnamobile, Gmobile, Itel, Reddi).
# [0-9], not \d: \d also matches full-width and Arabic-Indic digits ("0912０００１０１").
MOBILE_PREFIXES = "(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-46-9])"
_MOBILE = re.compile(f"^0{MOBILE_PREFIXES}[0-9]{{7}}$")
# What the API documents: the number, with +84 or 0 first and a space, dot or hyphen allowed between
# digits ("0912 345 678", "+84 912.345.678"); normalize_phone reads more spellings than this.
PHONE_PATTERN = f"^(0|\\+84 ?){MOBILE_PREFIXES}[0-9]([ .-]?[0-9]){{6}}$"
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_phone(raw: str, field: str = "phone") -> str:
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and ascii_digits(digits):
        # Spreadsheets store phone numbers as numbers and drop the leading 0.
        digits = "0" + digits
    if not _MOBILE.match(digits):
        raise Invalid(
            field,
            "Số điện thoại di động không đúng (ví dụ 0912 345 678 hoặc +84 912 345 678).",
            "Not a Vietnamese mobile number (e.g. 0912 345 678 or +84 912 345 678).",
        )
    return digits
