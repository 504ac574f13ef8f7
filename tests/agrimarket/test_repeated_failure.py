"""A loop failing every poll logs one traceback, then a short line a minute, then one recovery line."""

from __future__ import annotations

import asyncio
import logging

import pytest

from agrimarket import repeated_failure
from agrimarket.repeated_failure import RepeatedFailureLog

log = logging.getLogger("agm.test.poller")


@pytest.fixture
def clock(monkeypatch):
    """Seconds as the helper sees them, moved by the test."""
    now = [1000.0]
    monkeypatch.setattr(repeated_failure, "_now", lambda: now[0])
    return now


def test_first_failure_with_traceback_then_one_line_a_minute_then_recovery(caplog, clock):
    failures = RepeatedFailureLog(log, "poller: poll")
    caplog.set_level(logging.INFO, logger=log.name)
    for _ in range(150):  # a poll a second for two and a half minutes
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except ConnectionRefusedError as exc:
            failures.failed(exc)
        clock[0] += 1
    failures.succeeded()
    failures.succeeded()  # later good rounds say nothing
    records = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert records[0] == ("ERROR", "poller: poll failed", True)
    assert [r[:1] for r in records[1:]] == [("WARNING",), ("WARNING",), ("INFO",)]
    assert records[1][1].startswith("poller: poll still failing: 61 failures in 60 s, last ConnectionRefused")
    assert records[2][1].startswith("poller: poll still failing: 121 failures in 120 s")
    assert not records[1][2] and not records[2][2]  # short lines: no traceback
    assert records[3][1] == "poller: poll recovered after 150 failures in 150 s"


def test_a_new_outage_gets_its_traceback_again(caplog, clock):
    failures = RepeatedFailureLog(log, "poller: poll")
    caplog.set_level(logging.INFO, logger=log.name)
    for _ in range(2):
        failures.failed(TimeoutError())
        failures.failed(TimeoutError())
        failures.succeeded()
    levels = [r.levelname for r in caplog.records]
    assert levels == ["ERROR", "INFO", "ERROR", "INFO"]


async def test_as_a_context_manager_it_swallows_errors_but_not_cancellation(caplog, clock):
    failures = RepeatedFailureLog(log, "poller: poll")
    caplog.set_level(logging.INFO, logger=log.name)
    with failures:
        raise OSError("Multiple exceptions: [Errno 111] Connect call failed")
    assert failures.failures == 1
    with pytest.raises(asyncio.CancelledError), failures:
        raise asyncio.CancelledError
    with failures:
        pass
    assert [r.levelname for r in caplog.records] == ["ERROR", "INFO"]
    assert failures.failures == 0
