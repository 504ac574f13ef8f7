"""Structured logs: with LOG_FORMAT=json, one JSON object per line for each request and each error.

Litestar's LoggingConfig installs the formatter (stdlib logging, no extra dependency). Its
logging middleware writes a request line and a response line with neither the path nor the
duration on the second, so the access line comes from the small middleware below instead.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.logging.config import LoggingConfig
from litestar.logging.standard import QueueListenerHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from agrimarket.settings import Settings
from agrimarket.web.head import HEAD

access_log = logging.getLogger("agrimarket.access")
# Attributes every LogRecord has; anything else was passed with extra= and belongs in the line.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, extra fields, exception text.

    It formats every request's access line, so it keeps one encoder and the text of the current
    second rather than building both per record.
    """

    _encode = msgspec.json.Encoder(enc_hook=str).encode
    _second = -1
    _second_text = ""

    def timestamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).isoformat()[:19]  # YYYY-MM-DDTHH:MM:SS
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def encode(self, line: msgspec.Struct) -> str:
        """A line built without a LogRecord (``AccessLine``), as ``format`` would write its record."""
        return self._encode(line).decode()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self._encode(line).decode()


class BatchedStreamHandler(logging.StreamHandler):
    """A stream handler that writes its lines in batches: at most ``every`` seconds after the first
    one waits, at once for a warning or worse, and when flushed or closed (logging flushes every
    handler at exit).

    One write per access line is one system call per request, and in the server's worker each one
    lets the server's threads take the interpreter lock: a tenth of the scan page's throughput.
    Lines are formatted when logged, as ``QueueHandler`` does, so a batch never shows later values.
    """

    def __init__(self, stream=None, every: float = 0.5, most: int = 2000) -> None:
        super().__init__(stream)
        self.every = every
        self.most = most  # lines a batch holds before it is written anyway
        self.waiting: list[str] = []
        self._stopped = threading.Event()
        self._start_flusher()
        _batched_handlers.add(self)

    def _start_flusher(self) -> None:
        # Without it a line logged in a quiet moment would wait for the next one.
        threading.Thread(target=self._flush_every, name="log-batches", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.waiting.append(self.format(record) + self.terminator)  # Handler.handle holds the lock
        except Exception:
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING or len(self.waiting) >= self.most:
            self.flush()

    def write_line(self, line: str) -> None:
        """A line formatted already (an INFO line: it waits for the batch like the others)."""
        assert self.lock is not None  # Handler.__init__ creates it
        with self.lock:
            self.waiting.append(line + self.terminator)
        if len(self.waiting) >= self.most:
            self.flush()

    def flush(self) -> None:
        assert self.lock is not None  # Handler.__init__ creates it
        with self.lock:
            lines, self.waiting = self.waiting, []
            try:
                if lines and self.stream is not None:
                    self.stream.write("".join(lines))
                super().flush()
            except Exception:
                # The logging convention: a broken log stream is reported, never raised into the app.
                self.handleError(logging.makeLogRecord({"msg": "%d log lines lost", "args": (len(lines),)}))

    def close(self) -> None:
        self._stopped.set()
        self.flush()
        super().close()

    def _flush_every(self) -> None:
        while not self._stopped.wait(self.every):
            self.flush()


_batched_handlers: weakref.WeakSet[BatchedStreamHandler] = weakref.WeakSet()


def _restart_flushers() -> None:
    # Threads do not survive a fork: a server worker forked after logging was set up needs its own.
    # The lines waiting at the fork are the parent's to write.
    for handler in list(_batched_handlers):
        handler.waiting = []
        if not handler._stopped.is_set():
            handler._start_flusher()


os.register_at_fork(after_in_child=_restart_flushers)


class AccessLine(msgspec.Struct):
    """The access line, keyed and ordered as JsonFormatter writes the record it stands for."""

    time: str
    level: str
    logger: str
    message: str
    method: str
    path: str
    status: int
    duration_ms: float
    client: str | None


def _only_json_handler() -> BatchedStreamHandler | None:
    """The handler an access record would reach, when it is the only one, writes JSON lines and
    filters nothing: the line can then be written without a LogRecord (see AccessLogMiddleware).

    Looked up on every request, so a handler added later (a test's log capture) gets the record."""
    logger: logging.Logger | None = access_log
    if access_log.filters:
        return None
    found = None
    while logger is not None:
        for handler in logger.handlers:
            if (
                found is not None
                or type(handler) is not BatchedStreamHandler
                or not isinstance(handler.formatter, JsonFormatter)
                or handler.filters
                or handler.level > logging.INFO
            ):
                return None
            found = handler
        logger = logger.parent if logger.propagate else None
    return found


class AccessLogMiddleware(ASGIMiddleware):
    """Logs method, path, status and duration of every routed HTTP request once it is answered.

    Litestar runs middleware on matched routes only, so a path with no route (a 404 from the
    router) is not logged here: turn on the ASGI server's access log to see those too.

    With LOG_FORMAT=json the line usually goes straight to the JSON handler, the same line a
    LogRecord would have become: making and handling the record cost 10 µs a request, a tenth
    of the scan page's own work.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        assert scope["type"] == ScopeType.HTTP  # ``scopes`` above
        started = time.perf_counter()
        status = 500  # stays 500 if the app fails before answering

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_and_note_status)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                _log_access(scope, status, started)


def _log_access(scope: HTTPScope, status: int, started: float) -> None:
    client = scope.get("client")
    method = "HEAD" if scope["state"].get(HEAD) else scope["method"]
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    address = client[0] if client else None
    handler = _only_json_handler()
    if handler is not None:
        formatter = handler.formatter
        assert isinstance(formatter, JsonFormatter)  # _only_json_handler checked it
        line = AccessLine(
            formatter.timestamp(time.time()), "INFO", access_log.name, "request",
            method, scope["path"], status, duration_ms, address,
        )  # fmt: skip
        handler.write_line(formatter.encode(line))
        return
    fields = {
        "method": method,
        "path": scope["path"],
        "status": status,
        "duration_ms": duration_ms,
        "client": address,
    }
    # The record made directly: Logger.info would also look up the calling source line, on every
    # request, for a line that never shows it.
    access_log.handle(
        access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, "request", (), None, extra=fields)
    )


# httpx logs each request's full URL at INFO, and Shopee's API carries the shop's access token in
# the query string: from warnings up only, in both formats.
_QUIET = {name: {"level": "WARNING"} for name in ("httpx", "httpcore")}


class ClosingQueueListenerHandler(QueueListenerHandler):
    """Litestar's text-log handler (a queue and a thread writing it out), whose thread ends when the
    handler is closed. Each app made configures logging anew and ``dictConfig`` closes the handlers it
    replaces, but Litestar's own leaves its thread waiting until exit: one more for every app made."""

    def close(self) -> None:
        if self.listener._thread is not None:  # closed once only (logging closes every handler at exit)
            self.listener.stop()  # writes what is queued, then ends the thread
            atexit.unregister(self.listener.stop)  # stop() twice fails
        super().close()


# Litestar's default text handler (level and formatter as its own), with the thread that ends.
_TEXT_HANDLER = {
    "class": f"{__name__}.ClosingQueueListenerHandler",
    "level": "DEBUG",
    "formatter": "standard",
}


def logging_config(settings: Settings) -> LoggingConfig:
    """Litestar's default logging, or JSON lines through the same handler when LOG_FORMAT=json."""
    if settings.log_format != "json":
        return LoggingConfig(handlers={"queue_listener": dict(_TEXT_HANDLER)}, loggers=dict(_QUIET))
    handler = {"class": "agrimarket.web.logs.BatchedStreamHandler", "formatter": "json"}
    # The servers' own loggers (start-up, worker deaths) go through the same JSON handler.
    json_logger = {"level": "INFO", "handlers": ["json"], "propagate": False}
    return LoggingConfig(
        formatters={"json": {"()": JsonFormatter}},
        handlers={"json": handler},
        root={"level": "INFO", "handlers": ["json"]},
        loggers={name: json_logger for name in ("litestar", "uvicorn", "uvicorn.error", "granian")} | _QUIET,
        # agrimarket.web.errors already logs every 5xx with its traceback; do not log it twice.
        log_exceptions="never",
    )


def access_log_middleware(settings: Settings) -> list[AccessLogMiddleware]:
    """The per-request JSON line; in text mode the ASGI server's own access log does the job."""
    return [AccessLogMiddleware()] if settings.log_format == "json" else []
