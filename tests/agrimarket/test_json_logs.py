"""LOG_FORMAT=json: one JSON line per request and per error (checked in a fresh process, since
configuring logging is global)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agrimarket.web.logs import JsonFormatter
from tests.waiting import until_sync

SCRIPT = """
from litestar.testing import TestClient
from agrimarket.app import create_app
with TestClient(app=create_app(), base_url="http://testserver.local") as client:
    client.get("/healthz")
    client.head("/healthz")
    client.get("/api/v1/trace/ABCDEFGHJKMNPQRS")
import logging
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("agrimarket.web.errors").exception("unhandled error on %s", "GET /x")
"""


def test_each_request_and_error_is_one_json_line(database):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=os.environ | {"LOG_FORMAT": "json", "INTEGRATIONS_WORKER": "off"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "agrimarket.access"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [
        ("GET", "/healthz", 200),
        ("HEAD", "/healthz", 200),  # run as GET, logged as what was asked
        ("GET", "/api/v1/trace/ABCDEFGHJKMNPQRS", 404),
    ]
    assert all(a["duration_ms"] >= 0 for a in access)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert "ZeroDivisionError" in error["exception"]


def test_formatter_keeps_extra_fields_and_unicode():
    import logging

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Hộ %s", ("Lan",), None)
    record.batch = 7
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Hộ Lan" and line["batch"] == 7 and line["level"] == "INFO"


def test_lines_are_written_in_batches_yet_never_wait_long_or_get_lost():
    import io
    import logging
    import time

    from agrimarket.web.logs import BatchedStreamHandler

    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, every=0.05)
    logger = logging.getLogger("agrimarket.test.batches")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        for n in range(3):
            logger.info("dòng %d", n)
        assert stream.getvalue() == ""  # waiting for the batch
        logger.warning("cảnh báo")  # a warning is written at once, after the lines before it
        assert stream.getvalue().splitlines() == ["dòng 0", "dòng 1", "dòng 2", "cảnh báo"]
        logger.info("lặng")  # a quiet moment: no line follows, the flusher writes it
        for _ in range(100):
            if stream.getvalue().endswith("lặng\n"):
                break
            time.sleep(0.01)
        assert stream.getvalue().endswith("lặng\n")
        logger.info("cuối")
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert stream.getvalue().endswith("cuối\n")  # closing writes what waits


def test_a_forked_worker_gets_its_own_flusher():
    import io
    import logging
    import os

    from agrimarket.web.logs import BatchedStreamHandler

    read_end, write_end = os.pipe()
    handler = BatchedStreamHandler(io.StringIO(), every=60)
    handler.handle(
        logging.makeLogRecord({"msg": "từ tiến trình cha", "levelno": logging.INFO})
    )  # waits in the parent
    handler.every = 0.02
    try:
        pid = os.fork()
        if pid == 0:  # the child: a line it logs reaches its stream with no flush asked for
            flushed = False
            try:
                handler.stream = os.fdopen(write_end, "w")
                handler.handle(logging.makeLogRecord({"msg": "từ tiến trình con", "levelno": logging.INFO}))
                flushed = until_sync(lambda: not handler.waiting, timeout=10)  # the child's own flusher
                with handler.lock:  # ... has written it too: it holds the lock while it writes
                    pass
            finally:
                os._exit(0 if flushed else 1)  # no exit handlers: nothing flushes on the way out
        os.close(write_end)
        assert os.waitpid(pid, 0)[1] == 0, "the child's flusher never took the line"
        with os.fdopen(read_end) as pipe:
            assert pipe.read() == "từ tiến trình con\n"  # and not the parent's line too
    finally:
        handler.close()
    assert handler.stream.getvalue() == "từ tiến trình cha\n"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_marketplace_tokens_in_request_urls_stay_out_of_the_logs(database, log_format):
    script = """
import logging
from agrimarket.app import create_app
create_app()
logging.getLogger("httpx").info("HTTP Request: GET https://x.vn/api?access_token=TOKEN-SECRET")
logging.getLogger("httpx").warning("retrying https://x.vn/api")
logging.getLogger("agrimarket.test").info("an ordinary line")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=os.environ | {"LOG_FORMAT": log_format, "INTEGRATIONS_WORKER": "off"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "an ordinary line" in result.stderr and "retrying" in result.stderr
    assert "TOKEN-SECRET" not in result.stderr


def test_the_access_line_written_directly_is_the_line_its_log_record_makes():
    import io
    import logging

    from agrimarket.web import logs

    stream = io.StringIO()
    handler = logs.BatchedStreamHandler(stream, every=60)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logs.access_log.level
    root.handlers, root.level = [handler], logging.INFO
    logs.access_log.setLevel(logging.NOTSET)
    scope = {
        "method": "GET",
        "path": "/t/ABCD",
        "state": {"agrimarket.head": True},
        "client": ("10.0.0.7", 5),
    }
    try:
        assert logs._only_json_handler() is handler
        logs._log_access(scope, 200, 0.0)  # straight to the handler
        other = logging.NullHandler()  # a second destination (a test's capture): the record goes to both
        root.addHandler(other)
        assert logs._only_json_handler() is None
        logs._log_access(scope, 200, 0.0)
        root.removeHandler(other)
        quiet = logging.Filter("nothing")  # a filter on the handler must see the record too
        handler.addFilter(quiet)
        assert logs._only_json_handler() is None
        handler.removeFilter(quiet)
        handler.flush()
    finally:
        root.handlers, root.level = saved[0], saved[1]
        logs.access_log.setLevel(saved[2])
        handler.close()
    direct, via_record = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert list(direct) == list(via_record)  # the same keys in the same order
    for line in (direct, via_record):
        assert line.pop("time")[:4].isdigit() and line.pop("duration_ms") > 0
    assert (
        direct
        == via_record
        == {
            "level": "INFO",
            "logger": "agrimarket.access",
            "message": "request",
            "method": "HEAD",
            "path": "/t/ABCD",
            "status": 200,
            "client": "10.0.0.7",
        }
    )
