"""LOG_FORMAT=json: one JSON line per request and per error (checked in a fresh process, since
configuring logging is global)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agrimarket.web.logs import JsonFormatter

SCRIPT = """
from litestar.testing import TestClient
from agrimarket.app import create_app
with TestClient(app=create_app(), base_url="http://testserver.local") as client:
    client.get("/healthz")
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
