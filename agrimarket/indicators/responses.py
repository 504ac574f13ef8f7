"""File responses shared by the API and the dashboard."""

from __future__ import annotations

from litestar import Response

from agrimarket.indicators.exports import filename, report_csv, report_xlsx
from agrimarket.indicators.service import Report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(body: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def csv_response(report: Report) -> Response[bytes]:
    return _attachment(report_csv(report), "text/csv", filename(report, "csv"))


def xlsx_response(report: Report) -> Response[bytes]:
    return _attachment(report_xlsx(report), XLSX, filename(report, "xlsx"))
