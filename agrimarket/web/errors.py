"""One place that turns errors into responses: JSON on /api, pages (or a login redirect) elsewhere."""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import quote

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template

from agrimarket.errors import DomainError
from agrimarket.web.i18n import is_api, request_lang

log = logging.getLogger(__name__)

# Messages for errors raised by the framework itself, by status code.
_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Yêu cầu không hợp lệ.", "Bad request."),
    401: ("unauthorized", "Bạn cần đăng nhập.", "Please log in."),
    403: (
        "forbidden",
        "Bạn không có quyền làm việc này (hoặc phiên làm việc đã hết hạn, hãy tải lại trang).",
        "Not allowed (or the page expired: reload it).",
    ),
    404: ("not_found", "Không tìm thấy trang hoặc dữ liệu.", "Not found."),
    405: ("method_not_allowed", "Thao tác không được hỗ trợ.", "Method not allowed."),
    413: (
        "too_large",
        "Dữ liệu gửi lên quá lớn (ảnh tối đa 10 MB).",
        "Upload too large (photos up to 10 MB).",
    ),
    415: ("unsupported_media_type", "Định dạng không được hỗ trợ.", "Unsupported media type."),
    429: (
        "rate_limited",
        "Bạn thử quá nhiều lần. Hãy đợi một phút rồi thử lại.",
        "Too many attempts. Wait a minute and try again.",
    ),
    503: (
        "unavailable",
        "Hệ thống đang bận, hãy thử lại sau ít phút.",
        "Service unavailable, try again shortly.",
    ),
}


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict | None = None,
) -> Response:
    if is_api(request):
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    if status == 401:
        return Redirect(f"/login?next={quote(request.url.path)}")
    return Template(
        "error.html",
        context={"status": status, "message": message},
        status_code=status,
        headers=headers,
    )


def domain_error(request: Request, exc: DomainError) -> Response:
    lang = request_lang(request)
    return _respond(request, exc.status_code, exc.code, exc.message(lang), exc.fields(lang))


def validation_error(request: Request, exc: ValidationException) -> Response:
    lang = request_lang(request)
    fields = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        key = str(item.get("key") or "body") if isinstance(item, dict) else "body"
        fields[key] = (
            "Giá trị không đúng kiểu hoặc thiếu."
            if lang != "en"
            else str(item.get("message", "Invalid value."))
        )
    message = (
        "Dữ liệu gửi lên không đúng định dạng: hãy kiểm tra các trường được đánh dấu."
        if lang != "en"
        else f"Malformed request: {exc.detail}"
    )
    return _respond(request, 422, "invalid", message, fields)


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        log.error("server error on %s %s", request.method, request.url.path, exc_info=exc)
    code, vi, en = _HTTP_MESSAGES.get(exc.status_code, ("error", "Có lỗi xảy ra.", "Error."))
    return _respond(
        request, exc.status_code, code, en if request_lang(request) == "en" else vi, headers=exc.headers
    )


def integrity_error(request: Request, exc: Exception) -> Response:
    # A unique constraint lost a race with a concurrent request: a conflict, not a crash.
    lang = request_lang(request)
    message = (
        "Dữ liệu này vừa được người khác tạo, hãy tải lại." if lang != "en" else "This record already exists."
    )
    return _respond(request, 409, "conflict", message)


def out_of_range_error(request: Request, exc: Exception) -> Response:
    # An id or number beyond the database's 64-bit integers: the caller's input, never a crash.
    lang = request_lang(request)
    message = "Giá trị số quá lớn." if lang != "en" else "Number out of range."
    return _respond(request, 422, "invalid", message)


def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    code, vi, en = ("server_error", "Có lỗi hệ thống, chúng tôi sẽ khắc phục sớm.", "Internal error.")
    return _respond(request, 500, code, en if request_lang(request) == "en" else vi)


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    sqlite3.IntegrityError: integrity_error,
    asyncpg.UniqueViolationError: integrity_error,
    OverflowError: out_of_range_error,  # sqlite3 refuses ints beyond 64 bits
    asyncpg.DataError: out_of_range_error,  # asyncpg: "value out of int64 range"
    Exception: unexpected_error,
}
