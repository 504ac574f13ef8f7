"""Helpers for files offices open in Excel (every CSV and XLSX export goes through excel_safe)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

# OWASP "CSV injection": a cell starting with one of these is run as a formula by Excel/LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text ("-12", "-1,5", "-0.25") is not a formula: left alone, Excel reads a number.
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
# Control characters Excel cannot store (openpyxl refuses them); tab, newline and CR are kept.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def excel_safe(value: object) -> object:
    """The cell as Excel should show it: text that would run as a formula gets a leading apostrophe.

    For every user-controlled text (names, addresses, shop URLs, lot codes) in CSV and XLSX
    exports. Numbers, and text that is only a (negative) number, pass unchanged.
    """
    if not isinstance(value, str):
        return value
    value = _UNSTORABLE.sub("", value)
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_for_excel(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with BOM (so Excel shows Vietnamese), every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([excel_safe(cell) for cell in header])
    writer.writerows([excel_safe(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
