"""One place that turns errors into responses: JSON on /api, pages (or a login redirect) elsewhere."""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
from urllib.parse import quote

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from agrimarket.errors import DomainError, RateLimited
from agrimarket.web.i18n import is_api, request_lang

log = logging.getLogger(__name__)
# Seconds a client should wait before retrying a 503 (a database restart or a storage hiccup).
RETRY_AFTER_S = 5

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
        "Tệp gửi lên quá lớn: ảnh tối đa 10 MB, danh sách hộ tối đa 5 MB.",
        "Upload too large: photos up to 10 MB, household lists up to 5 MB.",
    ),
    415: ("unsupported_media_type", "Định dạng không được hỗ trợ.", "Unsupported media type."),
    503: (
        "unavailable",
        "Hệ thống đang bận, hãy thử lại sau ít phút.",
        "Service unavailable, try again shortly.",
    ),
}


def with_retry_after(status: int, headers: dict | None = None) -> dict | None:
    """A 503 is an outage (database or photo storage): tell the client when to try again."""
    if status == 503:
        return {"Retry-After": str(RETRY_AFTER_S)} | (headers or {})
    return headers


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict | None = None,
) -> Response:
    headers = with_retry_after(status, headers)
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
    return _respond(request, exc.status_code, exc.code, exc.message(lang), exc.fields(lang), exc.headers)


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
    if exc.status_code == 429:  # the log-in limit (Litestar's middleware): answered as every limit is
        limited = RateLimited()
        limited.headers = exc.headers or None
        return domain_error(request, limited)
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


# SQLite's extended result codes (Python 3.11+): only a unique or primary key is a lost race.
_SQLITE_UNIQUE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def sqlite_integrity_error(request: Request, exc: sqlite3.IntegrityError) -> Response:
    # As on PostgreSQL, where only UniqueViolationError is mapped: a NOT NULL, CHECK or foreign key
    # failure is a bug to surface on both engines, not the caller's conflict.
    if getattr(exc, "sqlite_errorname", "") in _SQLITE_UNIQUE:
        return integrity_error(request, exc)
    return unexpected_error(request, exc)


def out_of_range_error(request: Request, exc: Exception) -> Response:
    # An id or number beyond the database's 64-bit integers: the caller's input, never a crash.
    lang = request_lang(request)
    message = "Giá trị số quá lớn." if lang != "en" else "Number out of range."
    return _respond(request, 422, "invalid", message)


# Errors of a database connection (server restarting, unreachable, out of connection slots), as
# opposed to errors of a query: the request may succeed if retried, so 503, not 500.
_DB_CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError,  # SQLSTATE 08: lost, refused, rejected, protocol failure
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: terminated by a fast shutdown
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300: every process reconnecting at once
    # 3D000: the database is not created yet (a new deployment, a restore under way); a process
    # started before it waits for it (agrimarket.startup) and serves once it exists.
    asyncpg.InvalidCatalogNameError,
    # A pooled connection whose server ended it while idle ("another operation is in progress"):
    # the pool replaces it when it comes back.
    asyncpg.InternalClientError,
    ConnectionError,  # refused / reset / broken pipe before PostgreSQL could answer
    TimeoutError,  # connect timeout (asyncpg) or a pool that could not hand out a connection
    socket.gaierror,  # the database host name does not resolve
)
_GONE_WORDS = ("connection is closed", "pool is closing", "released back to the pool")
_NETWORK_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
)


def is_unavailable(exc: BaseException) -> bool:
    """True for errors meaning "the database cannot be reached right now"."""
    if isinstance(exc, _DB_CONNECTION_ERRORS):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        # asyncpg's wording for a connection (or pool) that went away under the caller; a pooled
        # connection the server dropped is handed back to the pool at once ("released back").
        return any(words in str(exc) for words in _GONE_WORDS)
    if isinstance(exc, OSError):
        # asyncio reports a failed connect to several addresses (localhost: ::1 and 127.0.0.1) as a
        # plain OSError with no errno.
        return exc.errno in _NETWORK_ERRNOS or str(exc).startswith("Multiple exceptions")
    return False


def unavailable_error(request: Request, exc: Exception) -> Response:
    if not is_unavailable(exc):
        return unexpected_error(request, exc)
    log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    message = (
        "Hệ thống đang bảo trì hoặc mất kết nối tới cơ sở dữ liệu. Dữ liệu của bạn chưa được lưu; "
        "hãy thử lại sau ít giây."
        if request_lang(request) != "en"
        else "The database is unreachable for a moment. Nothing was saved; try again in a few seconds."
    )
    return _respond(request, 503, "unavailable", message)


def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    code, vi, en = ("server_error", "Có lỗi hệ thống, chúng tôi sẽ khắc phục sớm.", "Internal error.")
    return _respond(request, 500, code, en if request_lang(request) == "en" else vi)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    sqlite3.IntegrityError: sqlite_integrity_error,
    asyncpg.UniqueViolationError: integrity_error,
    OverflowError: out_of_range_error,  # sqlite3 refuses ints beyond 64 bits
    asyncpg.DataError: out_of_range_error,  # asyncpg: "value out of int64 range"
    asyncpg.PostgresConnectionError: unavailable_error,
    asyncpg.OperatorInterventionError: unavailable_error,  # the shutdown kinds; others fall through
    asyncpg.TooManyConnectionsError: unavailable_error,
    asyncpg.InvalidCatalogNameError: unavailable_error,
    asyncpg.InterfaceError: unavailable_error,
    asyncpg.InternalClientError: unavailable_error,
    OSError: unavailable_error,  # ConnectionError, TimeoutError, socket.gaierror; file errors fall through
    Exception: unexpected_error,
}
