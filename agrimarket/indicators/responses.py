"""File responses shared by the API and the dashboard."""

from __future__ import annotations

from litestar import Response

from agrimarket.indicators.exports import filename, report_csv, report_xlsx
from agrimarket.indicators.service import Report
from agrimarket.web.downloads import attachment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(report: Report) -> Response[bytes]:
    return attachment(report_csv(report), "text/csv", filename(report, "csv"))


def xlsx_response(report: Report) -> Response[bytes]:
    return attachment(report_xlsx(report), XLSX, filename(report, "xlsx"))
