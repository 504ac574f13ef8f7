"""The scan log's flusher: timed from the oldest scan waiting, not on a fixed tick."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from traceability.settings import TraceabilitySettings
from traceability.stamps.scan_log import FLUSH_AFTER, Flusher, ScanBuffer


class RecordingBuffer(ScanBuffer):
    """Records when the flusher writes instead of writing (no database needed)."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed_at: list[float] = []
        self.flushed = asyncio.Event()

    async def flush_logged(self) -> None:
        if self.rows:
            self.flushed_at.append(time.monotonic())
            await self.flush()
            self.flushed.set()

    async def _flush(self) -> int:
        with self.lock:
            rows, self.rows, self.waiting, self.first_at = self.rows, [], {}, None
        return len(rows)


def _row(stamp: int) -> tuple:
    return (stamp, datetime.now(UTC), "client", "network", 20261207, "mobile", True, True)


async def test_a_scan_arriving_between_two_looks_waits_the_whole_flush_after(settings):
    """A scan that came 0.4 s after the flusher's last look is not written at its next look
    0.6 s later (a fixed one-second tick would have): the flush comes FLUSH_AFTER after the scan,
    so a flush gathers a second of scans, and a test that flushes itself after scanning has that
    second before the app's flusher could write the scan first."""
    buffer = RecordingBuffer()
    flusher = Flusher(buffer)
    await flusher.start(settings.section(TraceabilitySettings))
    try:
        await asyncio.sleep(0.4)  # the scan arrives between two of the flusher's looks
        buffer.add(_row(1))
        added = time.monotonic()
        assert FLUSH_AFTER - 0.05 < buffer.due_in() <= FLUSH_AFTER
        buffer.add(_row(2))  # a later scan does not move the oldest one's time
        assert buffer.due_in() <= FLUSH_AFTER - (time.monotonic() - added)
        await asyncio.wait_for(buffer.flushed.wait(), timeout=10)
        assert buffer.flushed_at[0] - added >= FLUSH_AFTER - 0.01
        assert buffer.rows == [] and buffer.due_in() == FLUSH_AFTER  # nothing waits: a whole interval
    finally:
        await flusher.stop()
