"""Reading a commune's household list from XLSX or CSV, safely.

Spreadsheets arrive from office PCs: headers in Vietnamese with or without diacritics, any column
order, CSV with commas or semicolons. XLSX files are zip archives, so they are checked for zip
bombs, and for more shared strings or cells than we read (``xlsx_limits``), before openpyxl opens them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib

from agrimarket.areas.service import fold
from agrimarket.errors import Invalid, TooLarge, UnsupportedMedia
from agrimarket.households.xlsx_limits import check_workbook
from agrimarket.text import clean_line

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL = 300
# Columns read per row: a stray cell in column XFD (16,384) must not widen every row to 16,384 cells.
MAX_COLUMNS = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Our field -> header spellings accepted (compared after fold()).
HEADERS = {
    "head_name": ("ho ten chu ho", "ho va ten", "ho ten", "chu ho", "ten", "name"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "phone"),
    "address": ("dia chi", "address"),
    "commune": ("ma xa", "xa phuong", "xa/phuong", "xa", "phuong", "commune", "commune code"),
    "province": ("tinh", "tinh thanh pho", "tinh/thanh pho", "province"),
    "vpost_code": ("ma vpost", "vpost", "vpost code"),
    # Optional: the district before the 2025 reform, for reports on older records.
    "legacy_district": ("huyen cu", "huyen_cu", "quan/huyen cu", "quan huyen cu", "legacy district"),
    "coop_tax_code": ("mst htx", "ma so thue htx", "ma so thue hop tac xa", "mst", "coop tax code"),
}
REQUIRED = ("head_name", "phone", "commune")
# How the missing-column message names each required field.
REQUIRED_LABELS = {
    "head_name": "Họ tên chủ hộ",
    "phone": "Số điện thoại",
    "commune": "Mã xã (hoặc Xã/phường)",
}


def _unsupported() -> UnsupportedMedia:
    return UnsupportedMedia(
        "Chỉ nhận tệp Excel (.xlsx) hoặc CSV.", "Only Excel (.xlsx) or CSV files are accepted."
    )


def read_rows(
    filename: str, data: bytes, required: tuple[str, ...] = REQUIRED
) -> list[tuple[int, dict[str, str]]]:
    """(sheet row number, {field: text}) for each non-empty row; a bad file raises a 4xx error.

    ``required``: the columns the list must have (a training's attendance list needs only phones).
    """
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge("Tệp quá lớn (tối đa 5 MB).", "The file is too large (at most 5 MB).")
    if zipfile.is_zipfile(io.BytesIO(data)):
        table = _xlsx_rows(data)
    elif filename.lower().endswith((".csv", ".txt")):
        table = _csv_rows(data)
    else:
        raise _unsupported()
    return _keyed(table, required)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _broken_xlsx() from exc
    # The central directory's sizes, before anything is inflated. A member that lies about its size
    # is cut off there by zipfile and fails its CRC check, so this sum is a real bound.
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise TooLarge(
            "Tệp Excel giải nén ra quá lớn (tối đa 100 MB). Hãy xoá các trang tính, ảnh không cần "
            "thiết hoặc chia nhỏ danh sách.",
            "The Excel file expands to too much data (at most 100 MB): remove extra sheets or "
            "pictures, or split the list.",
        )
    if not any(member.filename.startswith("xl/") for member in members):
        raise _unsupported()  # a zip, a .docx or an .ods: not an Excel workbook
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_workbook(archive)  # shared strings and cells counted before openpyxl reads them
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise _broken_xlsx() from exc
    # Imported by the upload that reads a workbook, not at start: openpyxl is 20 MiB in every app
    # process, and most processes never read a spreadsheet.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise _broken_xlsx() from exc
    try:
        return _sheet_rows(book)
    except (TooLarge, Invalid):
        raise
    except Exception as exc:  # the sheet XML is only parsed here, row by row: broken XML, bad CRC...
        raise _broken_xlsx() from exc
    finally:
        book.close()


def _sheet_rows(book) -> list[list[str]]:
    if not book.worksheets:
        raise _broken_xlsx()
    sheet = book.worksheets[0]
    # Ignore the stored <dimension>: "A1:XFD1048576" would make openpyxl pad every row to 16,384 cells.
    sheet.reset_dimensions()
    rows = []
    for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        rows.append(["" if v is None else _cell_text(v) for v in values])
        if len(rows) > MAX_ROWS + 1:
            raise _too_many_rows()
    return rows


def _broken_xlsx() -> Invalid:
    return Invalid(
        "file",
        "Tệp Excel bị hỏng hoặc không đọc được. Hãy mở bằng Excel, lưu lại (.xlsx) rồi tải lên lại.",
        "The Excel file is damaged or unreadable. Open it in Excel, save it again (.xlsx) and re-upload.",
    )


def _cell_text(value: object) -> str:
    # Excel stores phone numbers typed without a leading 0 as numbers: 912345678.0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[: 2 * MAX_CELL].strip()  # a 1 MB cell is not kept whole for 50,000 rows


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        # NUL bytes: a UTF-16 "Unicode text" export or a binary file renamed to .csv.
        raise Invalid(
            "file",
            "Tệp CSV có ký tự lạ (NUL): có thể không phải tệp CSV. Hãy mở bằng Excel và lưu lại dạng "
            "“CSV UTF-8 (Comma delimited)”.",
            "The CSV file contains NUL bytes: save it from Excel as “CSV UTF-8 (Comma delimited)”.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            "file",
            "Tệp CSV phải lưu với mã UTF-8: trong Excel chọn Lưu thành “CSV UTF-8 (Comma delimited)”.",
            "CSV files must be saved as UTF-8 (Excel: “CSV UTF-8 (Comma delimited)”).",
        ) from exc
    reader = csv.reader(io.StringIO(text), _dialect(text))
    rows = []
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows()
    except csv.Error as exc:  # e.g. a cell over csv's 128 KB field limit
        raise Invalid(
            "file",
            f"Tệp CSV bị lỗi ở dòng {reader.line_num} (ô quá dài hoặc dấu ngoặc kép không đóng).",
            f"The CSV file is malformed at line {reader.line_num} (a cell too long or an unclosed quote).",
        ) from exc
    return rows


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon or tab, guessed from the start of the file; comma when unsure."""
    sample = text[:4096]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:  # one column, or too little text to tell
        header = sample.splitlines()[0] if sample.strip() else ""
        delimiter = max(",;\t", key=header.count) if header else ","
        return type("Guessed", (csv.excel,), {"delimiter": delimiter if header.count(delimiter) else ","})


def _clean_cell(text: str) -> str:
    """At most MAX_CELL + 1 characters, control characters (NUL, escapes) turned into spaces."""
    return clean_line(_CONTROL.sub(" ", text[: MAX_CELL + 1]))


def _too_many_rows() -> TooLarge:
    return TooLarge(
        f"Tệp có quá {MAX_ROWS:,} dòng. Hãy chia thành nhiều tệp nhỏ hơn.".replace(",", "."),
        f"More than {MAX_ROWS:,} rows: split the list into several files.",
    )


def _keyed(table: list[list[str]], required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not table:
        raise Invalid("file", "Tệp không có dữ liệu.", "The file is empty.")
    spellings = {spelling: field for field, names in HEADERS.items() for spelling in names}
    columns = {i: spellings.get(fold(header)) for i, header in enumerate(table[0])}
    missing = [field for field in required if field not in columns.values()]
    if missing:
        raise Invalid(
            "file",
            f"Thiếu cột bắt buộc ở dòng tiêu đề: {', '.join(REQUIRED_LABELS[f] for f in required)}.",
            f"Missing required header columns: {', '.join(missing)}.",
        )
    rows = []
    for number, values in enumerate(table[1:], start=2):
        # One character over the limit is kept, so the field's own check rejects an oversized cell.
        row = {field: _clean_cell(values[i]) for i, field in columns.items() if field and i < len(values)}
        if any(row.values()):
            rows.append((number, row))
    return rows
