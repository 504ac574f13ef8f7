"""Exports of exactly what the dashboard shows: CSV (Excel-friendly) and XLSX, Vietnamese headers."""

from __future__ import annotations

import io
from collections.abc import Iterable

from agrimarket.exports import csv_for_excel, excel_safe
from agrimarket.indicators.definition import DEFINITION_VI
from agrimarket.indicators.measure_defs import BY_KEY, FUNNEL
from agrimarket.indicators.measures import Participation
from agrimarket.indicators.service import Report

COMMUNE_HEADER = ["Mã xã/phường", "Xã/phường", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"]
DISTRICT_HEADER = ["Huyện cũ (trước 01/7/2025)", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"]
MARKET_HEADER = ["Sàn", "Hộ bán hàng trực tuyến", "Gian hàng đang hoạt động"]


def _sections(report: Report) -> list[tuple[str, list[str], list[list[object]]]]:
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
            [[c.code, c.name, c.households, c.synced, c.declared] for c in r.communes],
        ),
        (
            "Theo huyện cũ (hồ sơ trước sắp xếp 2025)",
            DISTRICT_HEADER,
            [[d.label, d.households, d.synced, d.declared] for d in r.districts],
        ),
        ("Theo sàn", MARKET_HEADER, [[m.label, m.households, m.live_listings] for m in r.marketplaces]),
        (
            "Theo tháng (số liệu cuối kỳ)",
            ["Ngày", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"],
            [[f"{p.day:%d/%m/%Y}", p.households, p.synced, p.declared] for p in r.series],
        ),
    ]
    return sections + _participation(r.participation) if r.participation else sections


def _participation(p: Participation) -> list[tuple[str, list[str], list[list[object]]]]:
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
            [[f.code, f.name, f.trained, f.connected, f.selling, f.transacting] for f in p.funnel],
        ),
    ]


def _preamble(report: Report) -> list[list[str]]:
    return [
        ["Báo cáo", "Hộ nông dân bán hàng trực tuyến"],
        ["Ngày số liệu", f"{report.day:%d/%m/%Y}"],
        ["Địa bàn", f"{report.area.name} (mã {report.area.code})"],
        ["Định nghĩa", DEFINITION_VI],
    ]


def report_csv(report: Report) -> bytes:
    """One CSV with the preamble and every block one after the other (blank line between)."""
    rows: list[Iterable[object]] = [*_preamble(report)[1:]]
    for title, header, block in _sections(report):
        rows += [[], [title], header, *block]
    return csv_for_excel(_preamble(report)[0], rows)


def report_xlsx(report: Report) -> bytes:
    # Imported by the XLSX export alone: openpyxl is 20 MiB in every app process otherwise.
    from openpyxl import Workbook
    from openpyxl.styles import Font  # late, as above
    from openpyxl.worksheet.worksheet import Worksheet  # late, as above

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "Chỉ số"
    for row in _preamble(report):
        sheet.append([excel_safe(v) for v in row])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for title, header, block in _sections(report):
        sheet.append([])
        sheet.append([title])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for block_row in block:
            sheet.append([excel_safe(v) for v in block_row])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 28
    for col in "CDEF":
        sheet.column_dimensions[col].width = 20
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(report: Report, ext: str) -> str:
    return f"chi-so-ban-hang-truc-tuyen-{report.area.code}-{report.day:%Y-%m-%d}.{ext}"
