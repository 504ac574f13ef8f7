"""Exports of exactly what the dashboard shows: CSV (Excel-friendly) and XLSX, Vietnamese headers."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from agrimarket.exports import csv_for_excel, csv_rows, excel_safe
from agrimarket.indicators.definition import DEFINITION_VI
from agrimarket.indicators.measure_defs import BY_KEY, FUNNEL
from agrimarket.indicators.measures import Participation
from agrimarket.indicators.service import Report

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

COMMUNE_HEADER = ["Mã xã/phường", "Xã/phường", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"]
DISTRICT_HEADER = ["Huyện cũ (trước 01/7/2025)", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"]
MARKET_HEADER = ["Sàn", "Hộ bán hàng trực tuyến", "Gian hàng đang hoạt động"]
CHUNK_ROWS = 500  # CSV rows per chunk sent
CHUNK_BYTES = 64 * 1024  # XLSX bytes per chunk sent
# (title, header, rows): the long blocks' rows are made as they are written, not all at once.
Section = tuple[str, list[str], Iterable[list[object]]]


def _sections(report: Report) -> list[Section]:
    """(title, header, rows) blocks, in the order the dashboard shows them."""
    r = report
    headline = [
        ["Hộ bán hàng trực tuyến", r.households],
        ["  trong đó qua sàn kết nối", r.synced],
        ["  trong đó qua khai báo", r.declared],
        ["Hợp tác xã bán hàng trực tuyến", r.cooperatives],
        ["Sản phẩm đang bán trực tuyến", r.products],
        ["Vùng trồng", r.growing_areas],
        ["Vùng trồng có mã số còn hiệu lực", r.growing_areas_coded],
        ["Vùng trồng đã xác minh", r.growing_areas_verified],
        ["Lô hàng có tem", r.stamped_batches],
        [f"Lượt quét tem từ {r.scans_from:%d/%m/%Y}" if r.scans_from else "Lượt quét tem", r.scans],
    ]
    sections = [
        ("Chỉ số chính", ["Chỉ tiêu", "Giá trị"], headline),
        (
            "Theo xã/phường",
            COMMUNE_HEADER,
            ([c.code, c.name, c.households, c.synced, c.declared] for c in r.communes),
        ),
        (
            "Theo huyện cũ (hồ sơ trước sắp xếp 2025)",
            DISTRICT_HEADER,
            ([d.label, d.households, d.synced, d.declared] for d in r.districts),
        ),
        ("Theo sàn", MARKET_HEADER, [[m.label, m.households, m.live_listings] for m in r.marketplaces]),
        (
            "Theo tháng (số liệu cuối kỳ)",
            ["Ngày", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"],
            [[f"{p.day:%d/%m/%Y}", p.households, p.synced, p.declared] for p in r.series],
        ),
    ]
    return sections + _participation(r.participation) if r.participation else sections


def _participation(p: Participation) -> list[Section]:
    """Every measure with its one-line definition, transactions by marketplace, the funnel."""
    period = f"{p.start:%d/%m/%Y} – {p.end:%d/%m/%Y}"
    return [
        (
            f"Mọi chỉ số tham gia thương mại điện tử ({period})",
            ["Chỉ tiêu", "Giá trị", "Định nghĩa"],
            [[f.label, f.value, f.definition] for f in p.figures("vi")],
        ),
        (
            f"Giao dịch theo sàn ({period}) — chỉ tiêu QĐ 1354/QĐ-BTTTT cho Voso, Postmart",
            ["Sàn", "Số giao dịch", "Giá trị (đồng)"],
            [[m.label, m.transactions, m.value_vnd] for m in p.markets],
        ),
        (
            f"Phễu theo xã/phường ({period})",
            ["Mã xã/phường", "Xã/phường", *(BY_KEY[k].label_vi for k in FUNNEL)],
            ([f.code, f.name, f.trained, f.connected, f.selling, f.transacting] for f in p.funnel),
        ),
    ]


def _preamble(report: Report) -> list[list[str]]:
    return [
        ["Báo cáo", "Hộ nông dân bán hàng trực tuyến"],
        ["Ngày số liệu", f"{report.day:%d/%m/%Y}"],
        ["Địa bàn", f"{report.area.name} (mã {report.area.code})"],
        ["Định nghĩa", DEFINITION_VI],
    ]


def _csv_rows(report: Report) -> Iterator[Sequence[object]]:
    """The preamble and every block one after the other (blank line between)."""
    yield from _preamble(report)[1:]
    for title, header, block in _sections(report):
        yield from ([], [title], header)
        yield from block


def report_csv_chunks(report: Report) -> Iterator[bytes]:
    """The CSV a few hundred rows at a time: a whole country's communes never sit in memory as one file."""
    rows = _csv_rows(report)
    first = [*_preamble(report)[0]]
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        yield csv_for_excel(first, chunk) if first else csv_rows(chunk)
        first = []


def report_csv(report: Report) -> bytes:
    return b"".join(report_csv_chunks(report))


def _bold(sheet: WriteOnlyWorksheet, values: Sequence[str], size: int | None = None) -> list[Cell]:
    from openpyxl.cell import WriteOnlyCell  # late: see report_xlsx_chunks
    from openpyxl.styles import Font  # late: see report_xlsx_chunks

    font = Font(bold=True, size=size) if size else Font(bold=True)
    cells = [WriteOnlyCell(sheet, value=str(excel_safe(v))) for v in values]
    for cell in cells[:1] if size else cells:
        cell.font = font
    return cells


def report_xlsx_chunks(report: Report) -> Iterator[bytes]:
    """The workbook in write-only mode (rows go to a temporary file as they are added), then read
    back in chunks: memory stays flat however many communes the area has."""
    # Imported by the XLSX export alone: openpyxl is 20 MiB in every app process otherwise.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Chỉ số")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 28
    for col in "CDEF":
        sheet.column_dimensions[col].width = 20
    for row in _preamble(report):
        sheet.append([*_bold(sheet, row[:1]), *(excel_safe(v) for v in row[1:])])
    for title, header, block in _sections(report):
        sheet.append([])
        sheet.append(_bold(sheet, [title], size=12))
        sheet.append(_bold(sheet, header))
        for block_row in block:
            sheet.append([excel_safe(v) for v in block_row])
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK_BYTES):
            yield chunk


def report_xlsx(report: Report) -> bytes:
    return b"".join(report_xlsx_chunks(report))


def filename(report: Report, ext: str) -> str:
    return f"chi-so-ban-hang-truc-tuyen-{report.area.code}-{report.day:%Y-%m-%d}.{ext}"
