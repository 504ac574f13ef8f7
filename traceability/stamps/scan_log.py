"""The scan log: scans buffered after the response and written in batches, counted until written.

A scan's row waits in ``BUFFER`` (indexed by stamp, so a scan page counts the scans not yet
written) and the ``Flusher`` writes them every ``FLUSH_AFTER`` seconds, or at once when
``FLUSH_AT`` are waiting: one COPY (PostgreSQL) or multi-row INSERT per chunk, in the transaction
that also announces the counterfeit warnings they raise.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from agrimarket.db import copy_rows, write_transaction
from agrimarket.repeated_failure import RepeatedFailureLog
from traceability.settings import TraceabilitySettings
from traceability.stamps import evidence
from traceability.stamps.background import engine_usable
from traceability.tables import Scan

log = logging.getLogger(__name__)
FLUSH_AT = 200  # buffered scans written together
ROWS_PER_INSERT = 200  # 800 parameters: under SQLite's oldest limit of 999
FLUSH_AFTER = 1.0  # seconds a scan may wait in the buffer
KEEP_AT_MOST = 20_000  # scans kept while the database is unreachable (the newest win)

# (stamp, at, client hash, network hash, day, device) as written, then whether network and day were new.
Row = tuple[int, datetime, str, str, int, str, bool, bool]


class ScanBuffer:
    """Scans waiting to be written, indexed by stamp; thread-safe because the swap happens under a lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock  # tests move time themselves
        self.rows: list[Row] = []
        self.first_at: float | None = None  # ``clock`` time the oldest of ``rows`` was added
        self.waiting: dict[int, evidence.Pending] = {}  # stamp -> its scans not yet written
        # Scans a flush is writing stay counted here until their INSERT has committed. ``generation``
        # changes when a flush sends COMMIT and again once it is answered; while ``committing`` is
        # set the database may or may not show those scans yet, so a scan waits for the answer, and
        # a scan whose stamp a change since its read concerned reads the counters again: counted once,
        # never twice.
        self.in_flight: dict[int, evidence.Pending] = {}
        self.generation = 0
        # Which stamps each recent generation change concerned (None: any), so a scan of a stamp
        # the flush did not write need not read again: at 2,000 scans a second, a flush every
        # 0.1 s made a fifth of all scans read twice.
        self.changes: collections.deque[tuple[int, frozenset[int] | None]] = collections.deque(maxlen=64)
        self.writing_stamps: frozenset[int] | None = None  # the stamps of the chunk being written
        # Thread-safe futures: tests serve the app in a loop of its own and flush from theirs.
        self.committing: concurrent.futures.Future | None = None
        self.lock = threading.Lock()
        # One flush at a time, whatever loop it runs in (the Flusher's, a full buffer's, shutdown's,
        # a test's): each would otherwise replace the other's scans in flight.
        self.flushing: concurrent.futures.Future | None = None
        self.writing: asyncio.Task | None = None  # a full buffer's flush
        # Flushes run every second: while the database is down, one traceback, then a line a minute.
        self.failures = RepeatedFailureLog(log, "scan log: flush")
        # The thresholds of the counterfeit warning, set when the app's flusher starts: a write that
        # makes a stamp cross them publishes CounterfeitWarning (without an app, nothing listens).
        self.warn: TraceabilitySettings | None = None

    def add(self, row: Row) -> None:
        with self.lock:
            if not self.rows:
                self.first_at = self.clock()
            self.rows.append(row)
            _count(self.waiting, row)
            full = len(self.rows) >= FLUSH_AT
        if full:
            # A full buffer is written by a task of its own, so no scan waits for the INSERT
            # (the Flusher writes the rest every FLUSH_AFTER seconds).
            loop, writing = asyncio.get_running_loop(), self.writing
            if writing is None or writing.done() or writing.get_loop() is not loop:
                self.writing = loop.create_task(self.flush_logged())

    async def flush_logged(self) -> None:
        """Write what waits, if the database engine is usable; a failure is logged, scans kept."""
        if not self.rows or not engine_usable():
            return
        with self.failures:
            await self.flush()

    def due_in(self) -> float:
        """Seconds until the oldest waiting scan has waited ``FLUSH_AFTER`` (that long when none waits)."""
        first = self.first_at
        return FLUSH_AFTER if first is None else first + FLUSH_AFTER - self.clock()

    def pending(self, stamp_id: int) -> evidence.Pending:
        """The stamp's scans not yet in the database (waiting or being written)."""
        with self.lock:
            waiting = self.waiting.get(stamp_id) or evidence.NOTHING_PENDING
            return waiting.merged(self.in_flight.get(stamp_id))

    def moved(self, stamp_id: int, since: int) -> bool:
        """Whether a flush may have moved scans of the stamp from the buffer into the database
        since generation ``since`` (a counter read then may have counted them twice or not at all)."""
        with self.lock:
            if self.generation == since:
                return False
            changes = [stamps for generation, stamps in self.changes if generation > since]
            if len(changes) < self.generation - since:  # some changes are older than those kept
                return True
            return any(stamps is None or stamp_id in stamps for stamps in changes)

    def _changed(self, stamps: frozenset[int] | None) -> None:
        """A new generation, concerning ``stamps`` (None: any); the caller holds the lock."""
        self.generation += 1
        self.changes.append((self.generation, stamps))

    async def settled(self) -> int:
        """The generation, once no flush is waiting for its COMMIT to be answered."""
        while (committing := self.committing) is not None:
            await _done(committing)
        return self.generation

    async def idle(self) -> None:
        """Return once no flush is under way (shutdown waits for the last one)."""
        while (flushing := self.flushing) is not None:
            await _done(flushing)

    async def flush(self) -> int:
        while True:
            with self.lock:
                if (flushing := self.flushing) is None:
                    self.flushing = done = concurrent.futures.Future[None]()
                    break
            await _done(flushing)
        try:
            return await self._flush()
        finally:
            self.flushing = None
            done.set_result(None)

    async def _flush(self) -> int:
        with self.lock:
            rows, self.rows, self.in_flight, self.waiting = self.rows, [], self.waiting, {}
            self.first_at = None
        written = 0
        try:
            while written < len(rows):
                chunk = rows[written : written + ROWS_PER_INSERT]
                self.writing_stamps = frozenset(row[0] for row in chunk)
                try:
                    await _write(chunk, self.warn, self._committing)
                finally:
                    if (committing := self.committing) is not None:
                        self.committing = None
                        committing.set_result(None)
                written += len(chunk)
                with self.lock:
                    self.in_flight = _by_stamp(rows[written:])
                    self._changed(self.writing_stamps)
        except BaseException:
            # An INSERT failed (database restarting): keep the unwritten scans for the next flush.
            with self.lock:
                self.rows = (rows[written:] + self.rows)[-KEEP_AT_MOST:]
                self.first_at = self.clock()  # tried again in FLUSH_AFTER
                self.waiting, self.in_flight = _by_stamp(self.rows), {}
                self._changed(None)
            raise
        return len(rows)

    def _committing(self) -> None:
        """Called as a write's last statement before its COMMIT."""
        self.committing = concurrent.futures.Future()
        with self.lock:
            self._changed(self.writing_stamps)

    def discard(self) -> None:
        """Forget every scan not yet written (a test's database is about to be emptied)."""
        with self.lock:
            self.rows, self.waiting, self.in_flight, self.first_at = [], {}, {}, None
            self._changed(None)


async def _done(future: concurrent.futures.Future) -> None:
    """Wait for a flush's future from any loop; a cancelled waiter leaves the future alone."""
    await asyncio.shield(asyncio.wrap_future(future))


def _count(pending: dict[int, evidence.Pending], row: Row) -> None:
    stamp, _, _, network, day, _, new_network, new_day = row
    if (counts := pending.get(stamp)) is None:
        counts = pending[stamp] = evidence.Pending()
    counts.add(network, day, new_network, new_day)


def _by_stamp(rows: list[Row]) -> dict[int, evidence.Pending]:
    pending: dict[int, evidence.Pending] = {}
    for row in rows:
        _count(pending, row)
    return pending


COLUMNS = ("stamp", "scanned_at", "client_hash", "network_hash", "day", "device")


async def _insert(rows: list[Row]) -> None:
    """One COPY on PostgreSQL, else one multi-row INSERT (raw SQL: a Piccolo row object per scan
    cost more than the write)."""
    written = [row[: len(COLUMNS)] for row in rows]
    if written and not await copy_rows(Scan, COLUMNS, written):
        values = ", ".join(["({}, {}, {}, {}, {}, {})"] * len(written))
        args = [value for row in written for value in row]
        await Scan.raw(f"INSERT INTO scan ({', '.join(COLUMNS)}) VALUES {values}", *args)  # noqa: S608


async def _write(
    rows: list[Row], warn: TraceabilitySettings | None, before_commit: Callable[[], None]
) -> None:
    """Write scan rows in one transaction, announcing the counterfeit warnings they raise."""
    # Only a scan from a network new to its stamp can move the stamp's evidence.
    moved = sorted({row[0] for row in rows if row[6]}) if warn else []
    async with write_transaction():
        if warn and moved:
            before = await evidence.warned_among(moved, warn)
            await _insert(rows)
            await evidence.announce_new_warnings(moved, before, warn)
        else:
            await _insert(rows)
        before_commit()


BUFFER = ScanBuffer()


class Flusher:
    """Writes buffered scans once the oldest has waited ``FLUSH_AFTER``, and the rest at shutdown.

    Timed from the oldest scan rather than on a fixed tick: a scan is never written sooner than
    that after it arrived, so a flush gathers a second's scans, and a test that scans and then
    flushes itself has that second before the app's flusher could write the scan first."""

    def __init__(
        self, buffer: ScanBuffer, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    ) -> None:
        self.buffer = buffer
        self.sleep = sleep  # tests move time themselves
        self.task: asyncio.Task | None = None

    async def start(self, settings: TraceabilitySettings) -> None:
        self.buffer.warn = settings
        if self.task is None:
            self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None
        with contextlib.suppress(Exception):  # after the flush under way, if any
            await self.buffer.flush()

    async def _loop(self) -> None:
        wait = FLUSH_AFTER
        while True:
            await self.sleep(wait)
            if (wait := self.buffer.due_in()) > 0:
                continue  # the oldest scan waiting came after the last look
            # Never cancelled mid-INSERT: SQLite runs it in a thread and may commit it anyway, and
            # the rows, kept for the next flush as unwritten, would then be written twice.
            await asyncio.shield(asyncio.ensure_future(self.buffer.flush_logged()))
            # Scans that came during the flush are due in their own time; a flush left undone
            # (engine not usable) is tried again in FLUSH_AFTER, not at once.
            if (wait := self.buffer.due_in()) <= 0:
                wait = FLUSH_AFTER
