"""Reading a commune's household list from XLSX or CSV, safely.

Spreadsheets arrive from office PCs: headers in Vietnamese with or without diacritics, any column
order, CSV with commas or semicolons. XLSX files are zip archives, so they are checked for zip
bombs before openpyxl opens them.
"""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook

from agrimarket.areas.service import fold
from agrimarket.errors import Invalid, TooLarge, UnsupportedMedia

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL = 300

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


def _unsupported() -> UnsupportedMedia:
    return UnsupportedMedia(
        "Chỉ nhận tệp Excel (.xlsx) hoặc CSV.", "Only Excel (.xlsx) or CSV files are accepted."
    )


def read_rows(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(sheet row number, {field: text}) for each non-empty row; a bad file raises a 4xx error."""
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge("Tệp quá lớn (tối đa 5 MB).", "The file is too large (at most 5 MB).")
    if zipfile.is_zipfile(io.BytesIO(data)):
        table = _xlsx_rows(data)
    elif filename.lower().endswith((".csv", ".txt")):
        table = _csv_rows(data)
    else:
        raise _unsupported()
    return _keyed(table)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(member.file_size for member in archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise TooLarge("Tệp Excel giải nén quá lớn.", "The Excel file expands to too much data.")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise _unsupported() from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell_text(v) for v in values])
        if len(rows) > MAX_ROWS + 1:
            raise _too_many_rows()
    book.close()
    return rows


def _cell_text(value: object) -> str:
    # Excel stores phone numbers typed without a leading 0 as numbers: 912345678.0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("file", "Tệp CSV phải lưu với mã UTF-8.", "CSV files must be saved as UTF-8.") from exc
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if len(rows) > MAX_ROWS + 1:
        raise _too_many_rows()
    return [[cell.strip() for cell in row] for row in rows]


def _too_many_rows() -> TooLarge:
    return TooLarge(f"Tệp có quá {MAX_ROWS:,} dòng.".replace(",", "."), f"More than {MAX_ROWS:,} rows.")


def _keyed(table: list[list[str]]) -> list[tuple[int, dict[str, str]]]:
    if not table:
        raise Invalid("file", "Tệp không có dữ liệu.", "The file is empty.")
    spellings = {spelling: field for field, names in HEADERS.items() for spelling in names}
    columns = {i: spellings.get(fold(header)) for i, header in enumerate(table[0])}
    missing = [field for field in REQUIRED if field not in columns.values()]
    if missing:
        raise Invalid(
            "file",
            "Thiếu cột bắt buộc ở dòng tiêu đề: Họ tên chủ hộ, Số điện thoại, Mã xã (hoặc Xã/phường).",
            f"Missing required header columns: {', '.join(missing)}.",
        )
    rows = []
    for number, values in enumerate(table[1:], start=2):
        row = {field: values[i][:MAX_CELL] for i, field in columns.items() if field and i < len(values)}
        if any(row.values()):
            rows.append((number, row))
    return rows
