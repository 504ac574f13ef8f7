"""Limits on what an XLSX asks openpyxl to read, checked on the zip's parts before it reads them.

A zip-bomb check on total size is not enough: 84 KB of deflated ``<si>`` elements (2 million
shared strings) stay far under it, yet openpyxl turns each one into a Python string when the
workbook opens (12 s of CPU); millions of empty ``<c/>`` cells cost as much when the sheet is read.
So before openpyxl starts: the shared-strings part's inflated size, its declared ``uniqueCount``,
and its ``<si>`` entries counted while inflating (a declared count can lie), then the ``<c>``
cells of every worksheet counted the same way. Counting stops at the limit, so a bomb is refused
after reading a few megabytes. Part names come from ``[Content_Types].xml``, as openpyxl finds them.
"""

from __future__ import annotations

import re
import zipfile
from typing import TYPE_CHECKING

from agrimarket.errors import TooLarge

if TYPE_CHECKING:
    from openpyxl.packaging.manifest import Manifest

# A 50,000-row list with a few text columns has well under 200,000 distinct strings and 1,000,000
# cells; openpyxl reads that many in about a second each.
MAX_SHARED_STRINGS = 200_000
MAX_SHARED_STRINGS_BYTES = 20 * 1024 * 1024
MAX_CELLS = 1_000_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # writers may use a namespace prefix: <x:si>, <x:c>
_STRING_ENTRY = re.compile(rb"<" + _PREFIX + rb"si[\s/>]")
_CELL = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_UNIQUE_COUNT = re.compile(rb'\buniqueCount\s*=\s*["\']([0-9]+)["\']')


def _too_many_strings() -> TooLarge:
    return TooLarge(
        f"Tệp Excel có quá nhiều chữ khác nhau (tối đa {MAX_SHARED_STRINGS:,} ô chữ khác nhau). "
        "Hãy xoá các trang tính, cột không cần thiết hoặc chia nhỏ danh sách.".replace(",", "."),
        f"The Excel file holds too many distinct texts (at most {MAX_SHARED_STRINGS:,}): remove extra "
        "sheets or columns, or split the list.",
    )


def _too_many_cells() -> TooLarge:
    return TooLarge(
        f"Tệp Excel có quá nhiều ô (tối đa {MAX_CELLS:,} ô trên mọi trang tính). Hãy xoá các trang "
        "tính, cột không cần thiết hoặc chia nhỏ danh sách.".replace(",", "."),
        f"The Excel file has too many cells (at most {MAX_CELLS:,} over all sheets): remove extra "
        "sheets or columns, or split the list.",
    )


def _count(archive: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes], limit: int) -> int:
    """Matches of ``pattern`` in the inflated part, stopping once past ``limit``."""
    count, carry = 0, b""
    with archive.open(name) as part:
        while count <= limit and (chunk := part.read(_CHUNK)):
            buffer = carry + chunk
            cut = buffer.rfind(b"<")  # a tag cut at the chunk's end is counted with the next chunk
            cut = len(buffer) if cut < 0 else cut
            count += len(pattern.findall(buffer, 0, cut))
            carry = buffer[cut:]
    return count + len(pattern.findall(carry))


def _manifest(archive: zipfile.ZipFile) -> Manifest | None:
    """The content types; None when absent or unreadable (openpyxl then refuses the file itself)."""
    # openpyxl is imported by the upload that reads a workbook, not at start: 20 MiB in every app
    # process otherwise (see agrimarket.households.sheets).
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES  # late, as above
    from openpyxl.xml.functions import fromstring  # late, as above

    try:
        if archive.getinfo(ARC_CONTENT_TYPES).file_size > MAX_CONTENT_TYPES_BYTES:
            return None
        # types-openpyxl wants its own element protocol, which the ElementTree element it parses to fails.
        return Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))  # type: ignore[arg-type]
    except Exception:
        return None


def check_workbook(archive: zipfile.ZipFile) -> None:
    """TooLarge when the workbook holds more shared strings or cells than we read."""
    from openpyxl.xml.constants import SHARED_STRINGS, WORKSHEET_TYPE  # see _manifest

    manifest = _manifest(archive)
    if manifest is None:
        return
    names = set(archive.namelist())
    strings = manifest.find(SHARED_STRINGS)
    if strings is not None and strings.PartName[1:] in names:
        name = strings.PartName[1:]
        if archive.getinfo(name).file_size > MAX_SHARED_STRINGS_BYTES:
            raise _too_many_strings()
        with archive.open(name) as part:
            declared = _UNIQUE_COUNT.search(part.read(4096))
        if declared and int(declared.group(1)) > MAX_SHARED_STRINGS:
            raise _too_many_strings()
        if _count(archive, name, _STRING_ENTRY, MAX_SHARED_STRINGS) > MAX_SHARED_STRINGS:
            raise _too_many_strings()
    cells = 0
    for sheet in manifest.findall(WORKSHEET_TYPE):
        if sheet.PartName[1:] in names:
            cells += _count(archive, sheet.PartName[1:], _CELL, MAX_CELLS - cells)
            if cells > MAX_CELLS:
                raise _too_many_cells()
