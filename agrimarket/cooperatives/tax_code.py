"""Vietnamese enterprise tax codes (mã số thuế): 10 digits, or 13 for a branch (10 + "-" + 3)."""

from __future__ import annotations

import re

from agrimarket.errors import Invalid

_FORMAT = re.compile(r"^([0-9]{10})(?:-?([0-9]{3}))?$")  # ASCII digits only
_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def normalize_tax_code(raw: str) -> str:
    match = _FORMAT.match((raw or "").replace(" ", ""))
    if match:
        base, branch = match.groups()
        check = 10 - sum(int(d) * w for d, w in zip(base, _WEIGHTS, strict=False)) % 11
        if check < 10 and int(base[9]) == check:
            return f"{base}-{branch}" if branch else base
    raise Invalid(
        "tax_code",
        "Mã số thuế không đúng (10 chữ số, hoặc 10 chữ số kèm -xxx của chi nhánh).",
        "Invalid tax code (10 digits, or 10 digits plus -xxx for a branch).",
    )
