"""File responses shared by the API and the dashboard: streamed, so a whole country's file is never
held in memory whole (the chunks are made in a worker thread, off the event loop)."""

from __future__ import annotations

from litestar.response import Stream

from agrimarket.indicators.exports import filename, report_csv_chunks, report_xlsx_chunks
from agrimarket.indicators.service import Report
from agrimarket.web.downloads import attachment_headers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(chunks, media_type: str, name: str) -> Stream:
    return Stream(chunks, media_type=media_type, headers=attachment_headers(name))


def csv_response(report: Report) -> Stream:
    return _download(report_csv_chunks(report), "text/csv", filename(report, "csv"))


def xlsx_response(report: Report) -> Stream:
    return _download(report_xlsx_chunks(report), XLSX, filename(report, "xlsx"))
