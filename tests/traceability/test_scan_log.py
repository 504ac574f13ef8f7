"""The scan log's flusher: timed from the oldest scan waiting, not on a fixed tick."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from traceability.settings import TraceabilitySettings
from traceability.stamps.scan_log import FLUSH_AFTER, Flusher, ScanBuffer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingBuffer(ScanBuffer):
    """Records when the flusher writes instead of writing (no database needed)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.flushed_at: list[float] = []
        self.flushed = asyncio.Event()

    async def flush_logged(self) -> None:
        if self.rows:
            self.flushed_at.append(self.clock())
            await self.flush()
            self.flushed.set()

    async def _flush(self) -> int:
        with self.lock:
            rows, self.rows, self.waiting, self.first_at = self.rows, [], {}, None
        return len(rows)


def _row(stamp: int) -> tuple:
    return (stamp, datetime.now(UTC), "client", "network", 20261207, "mobile", True, True)


async def test_a_scan_arriving_between_two_looks_waits_the_whole_flush_after(settings):
    """A scan that comes 0.4 s into the flusher's wait is not written at its next look 0.6 s
    later (a fixed one-second tick would have written it then): the flush comes FLUSH_AFTER after
    the scan, so a flush gathers a second of scans, and a test that flushes itself after scanning
    has that second before the app's flusher could write the scan first."""
    clock = Clock()
    buffer = RecordingBuffer(clock)
    waits: list[float] = []
    added: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:  # two scans arrive 0.4 s and 0.5 s into the first wait
            clock.now += 0.4
            buffer.add(_row(1))
            added.append(clock.now)
            clock.now += 0.1
            buffer.add(_row(2))  # a later scan does not move the oldest one's time
            clock.now += seconds - 0.5
        else:
            clock.now += seconds
        await asyncio.sleep(0)

    flusher = Flusher(buffer, sleep)
    await flusher.start(settings.section(TraceabilitySettings))
    try:
        await asyncio.wait_for(buffer.flushed.wait(), timeout=10)
    finally:
        await flusher.stop()
    assert waits[:2] == pytest.approx(
        [FLUSH_AFTER, 0.4]
    )  # looked at 1.0 s, then waited for the scan's own time
    assert buffer.flushed_at == pytest.approx([added[0] + FLUSH_AFTER])
    assert buffer.rows == [] and buffer.due_in() == FLUSH_AFTER  # nothing waits: a whole interval
