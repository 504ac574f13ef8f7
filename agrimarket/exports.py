"""Helpers for files offices open in Excel (every CSV and XLSX export goes through excel_safe)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

# OWASP "CSV injection": a cell starting with one of these is run as a formula by Excel/LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text ("-12", "-1,5", "-0.25") is not a formula: left alone, Excel reads a number.
_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")  # ASCII digits: "-١٢" is text, escaped
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


# Excel set to Vietnamese (and most European locales) uses ";" as its list separator, so a comma CSV
# opened with a double-click is split at every ";" — and at every line break, since a quote in the
# middle of such a cell no longer groups anything. A cell can then start anywhere inside one of ours,
# and a leading apostrophe on our cell no longer covers it. So inside CSV text an apostrophe also goes
# right after any ";", "," or line break that a formula trigger follows (spaces or quotes between them
# included): whichever way the line is split, the new cell starts with "'" and stays text.
_TRIGGER_AFTER_BREAK = re.compile(r"""([;,\n\r])(?=[ "]*[=+\-@\t\r])""")


def csv_safe(value: object) -> object:
    """``excel_safe``, plus no formula wherever a ";"-splitting Excel may start a cell (see above).

    Only for CSV: an XLSX cell is never split, so its text is kept as typed.
    """
    value = excel_safe(value)
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    return _TRIGGER_AFTER_BREAK.sub(r"\1'", value)


def csv_for_excel(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with BOM (so Excel shows Vietnamese), every cell formula-safe however Excel splits it."""
    return "\ufeff".encode() + csv_rows([header, *rows])


def csv_rows(rows: Iterable[Iterable[object]]) -> bytes:
    """More rows of such a file, without the BOM (the chunks after the first of a streamed CSV)."""
    out = io.StringIO()
    csv.writer(out).writerows([csv_safe(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")
