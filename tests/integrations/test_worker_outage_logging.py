"""The sync worker polling an unreachable database: one traceback, a line a minute, one recovery line."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from integrations.sync import worker as worker_module
from integrations.tables import SyncJob
from tests.outage import assert_no_storm, tick_per_failure, unreachable_engine
from tests.waiting import until

POLLS = 40


@pytest.fixture
def unreachable(settings, tmp_path):
    return unreachable_engine(settings, tmp_path)


async def test_worker_polls_through_an_outage_without_a_log_storm(worker, unreachable, caplog, monkeypatch):
    tick_per_failure(monkeypatch)
    worker.settings = dataclasses.replace(worker.settings, poll_seconds=0.005)
    caplog.set_level(logging.INFO, logger=worker_module.log.name)
    real_engine = SyncJob._meta.db
    monkeypatch.setattr(SyncJob._meta, "_db", unreachable)
    task = asyncio.create_task(worker.loop())
    try:
        await until(lambda: worker.poll_failures.failures >= POLLS, timeout=20, every=0.01)
        failures = worker.poll_failures.failures
        monkeypatch.setattr(SyncJob._meta, "_db", real_engine)
        await until(lambda: worker.poll_failures.failures == 0, timeout=5, every=0.01, what="the recovery")
        assert not task.done()  # the worker lives on
    finally:
        worker.stop()
        await asyncio.wait_for(task, 5)
    assert_no_storm(caplog.records, "sync worker: poll", failures + 10)
