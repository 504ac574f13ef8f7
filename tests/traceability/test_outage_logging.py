"""The stamp renderer and the scan-log flusher against an unreachable database: no log storm.

Each loop polls every second or faster; while its tables point at a database that cannot be
opened (PostgreSQL: a port where nothing listens; SQLite: a file that is a folder) it must log one
traceback, then at most a short line a minute, and one line when the database is back.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

import pytest

from tests.outage import assert_no_storm, tick_per_failure, unreachable_engine
from tests.traceability.test_scan import stamped
from tests.waiting import until
from traceability.settings import TraceabilitySettings
from traceability.stamps import jobs, scan_log
from traceability.stamps.scan_log import ScanBuffer
from traceability.tables import Scan, Stamp, StampIssue

POLLS = 40


@pytest.fixture
def unreachable(settings, tmp_path):
    return unreachable_engine(settings, tmp_path)


@pytest.fixture
def fast_clock(monkeypatch):
    tick_per_failure(monkeypatch)


async def test_scan_flusher_logs_one_traceback_per_outage_and_keeps_the_scans(
    client, accounts, unreachable, fast_clock, caplog, monkeypatch
):
    await stamped(client, accounts, count=1)
    stamp_id = (await Stamp.select(Stamp.id).first())["id"]
    buffer = ScanBuffer()
    buffer.add((stamp_id, datetime.now(UTC), "client-hash", "network-hash", 1, "mobile", True, True))
    caplog.set_level(logging.INFO, logger=scan_log.log.name)
    real_engine = Scan._meta.db
    monkeypatch.setattr(Scan._meta, "_db", unreachable)
    for _ in range(POLLS):
        await buffer.flush_logged()  # what the flusher does every second
    assert len(buffer.rows) == 1  # the scan waits for the database
    monkeypatch.setattr(Scan._meta, "_db", real_engine)
    await buffer.flush_logged()
    assert not buffer.rows
    assert await Scan.count().where(Scan.stamp == stamp_id) == 1
    assert_no_storm(caplog.records, "scan log: flush", POLLS)


async def test_stamp_renderer_logs_one_traceback_per_outage(
    settings, unreachable, fast_clock, caplog, monkeypatch
):
    fast = dataclasses.replace(
        settings.section(TraceabilitySettings), render_worker=True, render_poll_seconds=0.005
    )
    renderer = jobs.Renderer()
    caplog.set_level(logging.INFO, logger=jobs.log.name)
    real_engine = StampIssue._meta.db
    monkeypatch.setattr(StampIssue._meta, "_db", unreachable)
    await renderer.start(settings.with_section(fast), storage=None)
    try:
        await until(lambda: renderer.failures.failures >= POLLS, timeout=20, every=0.01)
        failures = renderer.failures.failures
        monkeypatch.setattr(StampIssue._meta, "_db", real_engine)
        await until(lambda: renderer.failures.failures == 0, timeout=5, every=0.01, what="the recovery")
        assert renderer.task is not None and not renderer.task.done()  # the loop lives on
    finally:
        await renderer.stop()
    assert_no_storm(caplog.records, "stamp renderer: poll", failures + 10)
