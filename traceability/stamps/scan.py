"""The public side of a stamp: what it proves, counterfeit warnings, and the scan log.

A scan costs one indexed query (the stamp with its scan counters); the batch's facts are cached
for a short while, and scan rows are buffered and written in batches after the response.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import functools
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import msgspec

from agrimarket import clock
from agrimarket.dates import shifted
from agrimarket.db import BatchedReads, copy_rows, fetch_direct, write_transaction
from agrimarket.media.storage import Storage
from agrimarket.ports import current as query_ports
from agrimarket.repeated_failure import RepeatedFailureLog
from agrimarket.tables import ProductPhoto
from agrimarket.web.page_cache import PageCache
from traceability.batches import service as batches
from traceability.batches.facts import BatchFacts
from traceability.settings import TraceabilitySettings
from traceability.stamps import evidence, serials
from traceability.stamps.background import engine_usable
from traceability.tables import Scan, Stamp

log = logging.getLogger(__name__)
FACTS_TTL = 30.0  # seconds a batch's facts are reused between scans
FLUSH_AT = 200  # buffered scans written together
ROWS_PER_INSERT = 200  # 800 parameters: under SQLite's oldest limit of 999
FLUSH_AFTER = 1.0  # seconds a scan may wait in the buffer
KEEP_AT_MOST = 20_000  # scans kept while the database is unreachable (the newest win)
SCANS_READ_TOGETHER = 32  # stamps looked up in one query at most (128 parameters)


async def where_to_buy(product_id: int) -> list[dict]:
    """Live marketplace listings of the product ({name, url}), through the "where to buy" query port.

    Only http(s) links reach the public page: a marketplace's URL is data from outside.
    """
    links = await query_ports().where_to_buy(product_id)
    return [link for link in links if str(link.get("url") or "").lower().startswith(("https://", "http://"))]


@lru_cache(maxsize=4096)  # a phone scans the stamps of a box one after another
def client_hash(key: str, address: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a client address: distinct clients countable, never stored."""
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=1024)  # a handful of phone models and browsers make most scans
def device_class(user_agent: str) -> str:
    ua = user_agent.lower()
    if not ua:
        return "other"
    if any(word in ua for word in ("bot", "crawl", "spider", "slurp", "curl", "wget", "python", "httpx")):
        return "bot"
    if any(word in ua for word in ("mobile", "android", "iphone", "ipad", "zalo")):
        return "mobile"
    if any(word in ua for word in ("windows", "macintosh", "x11", "linux", "cros")):
        return "desktop"
    return "other"


# (stamp, at, client hash, network hash, day, device) as written, then whether network and day were new.
Row = tuple[int, datetime, str, str, int, str, bool, bool]


class ScanBuffer:
    """Scans waiting to be written, indexed by stamp; thread-safe because the swap happens under a lock."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
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
            self.rows, self.waiting, self.in_flight = [], {}, {}
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


class ShownBatch(msgspec.Struct):
    """What every scan of a batch shows of it, cached for FACTS_TTL: its facts, the product's photo,
    where to buy it, and (``pages``) the scan page's rendered pieces (traceability.stamps.pages)."""

    facts: BatchFacts
    photo_url: str | None
    where_to_buy: list[dict]
    pages: dict[tuple, tuple] = msgspec.field(default_factory=dict)


class Warnings(msgspec.Struct, frozen=True):
    revoked: bool
    counterfeit: bool
    counterfeit_reason: str  # clients | expiry | ""
    distinct_networks: int


class ScanResult(msgspec.Struct, frozen=True):
    """What one scan of a stamp shows (the page and the trace answer are built from it)."""

    serial: str
    status: str  # active | revoked
    revoked_reason: str
    scan_count: int
    has_pin: bool  # the page offers the scratch-off PIN form
    revoked: bool
    counterfeit: bool
    counterfeit_reason: str  # clients | expiry | ""
    distinct_networks: int
    batch: ShownBatch


# Keyed by (batch id, the batch's creation time): a batch deleted and its id reused is not mixed up.
SHOWN: PageCache[tuple[int, str], ShownBatch] = PageCache(size=5000, max_age=FACTS_TTL)

# Each stamp asked for, its batch's version, its scan counters and counterfeit evidence (kept by a
# trigger on scan) and whether this client's network, and a new network today, were seen on it
# before (probes of the stamp_network indexes (stamp, network_hash) and (stamp, first_day)), for
# the scans that arrived together (``n``: the scan's place among them), in one statement.
_STAMPS_SQL = """
WITH wanted (n, serial, network, day) AS (VALUES {wanted})
SELECT w.n, s.id, s.serial, s.status, s.revoked_reason, s.batch, b.created_at AS batch_created,
  CASE WHEN s.pin_hash IS NULL THEN 0 ELSE 1 END AS has_pin,
  s.scan_count AS scans, s.network_count AS networks, s.spread_days AS days,
  s.reviewed_networks, s.reviewed_days,
  EXISTS (SELECT 1 FROM stamp_network WHERE stamp = s.id AND network_hash = w.network) AS network_seen,
  EXISTS (SELECT 1 FROM stamp_network WHERE stamp = s.id AND first_day = w.day) AS day_seen
FROM wanted w JOIN stamp s ON s.serial = w.serial JOIN batch b ON b.id = s.batch
"""


@lru_cache(maxsize=SCANS_READ_TOGETHER)
def _stamps_sql(count: int) -> str:
    # Typed where PostgreSQL cannot tell from a VALUES list alone.
    wanted = ", ".join(["(CAST({} AS INTEGER), {}, {}, CAST({} AS INTEGER))"] * count)
    return _STAMPS_SQL.format(wanted=wanted)


async def _read_stamps(scans: list[tuple[str, str, int]]) -> list[Mapping[str, Any] | None]:
    """The rows for (serial, network hash, day) of each scan, in order; None for an unknown serial."""
    args = [value for n, scan in enumerate(scans) for value in (n, *scan)]
    found = {row["n"]: row for row in await fetch_direct(Stamp, _stamps_sql(len(scans)), *args)}
    return [found.get(n) for n in range(len(scans))]


STAMP_READS = BatchedReads(_read_stamps, size=SCANS_READ_TOGETHER)


# The batches whose facts are being read. Every scan of a batch misses the cache at once when its
# entry expires; without this each of them read the facts again (32 at a time under the page
# bench's load, a few hundred milliseconds of Piccolo query building every FACTS_TTL).
_READING: dict[tuple[int, str], asyncio.Task[ShownBatch]] = {}


async def _shown_batch(batch_id: int, version: str, storage: Storage) -> ShownBatch:
    """The batch's facts plus photo and shops, cached briefly (keyed with the batch's creation time);
    a scan that misses while another is reading them waits for that read."""
    key = (batch_id, version)
    hit = SHOWN.get(key)
    if hit is not None:
        return hit
    reading = _READING.get(key)
    # Tests serve the app in a loop of their own: a read is shared within its loop only.
    if reading is None or reading.get_loop() is not asyncio.get_running_loop():
        reading = _READING[key] = asyncio.ensure_future(_read_shown_batch(key, batch_id, storage))
        reading.add_done_callback(functools.partial(_read_done, key))
    # Shielded: a scan whose client went away leaves the read to the others waiting for it.
    return await asyncio.shield(reading)


def _read_done(key: tuple[int, str], reading: asyncio.Task[ShownBatch]) -> None:
    if _READING.get(key) is reading:
        del _READING[key]
    if not reading.cancelled():
        reading.exception()  # its waiters have it; not "never retrieved" when they all went away


async def _read_shown_batch(key: tuple[int, str], batch_id: int, storage: Storage) -> ShownBatch:
    facts = await batches.batch_facts(batch_id)
    photo = (
        await ProductPhoto.select(ProductPhoto.thumb_key)
        .where(ProductPhoto.product == facts.product.id)
        .order_by(ProductPhoto.position, ProductPhoto.id)
        .first()
    )
    photo_url = storage.url(photo["thumb_key"]) if photo else None
    shops = await where_to_buy(facts.product.id)
    return SHOWN.put(key, ShownBatch(facts, photo_url, shops))


async def scan(
    serial_text: str,
    address: str,
    user_agent: str,
    settings: TraceabilitySettings,
    storage: Storage,
    record: bool = True,
) -> ScanResult:
    """Look a stamp up and log this scan (``record``: else only what it would show). Raises NotFound
    for unknown serials."""
    serial = serials.normalise(serial_text)
    if serial is None:
        raise serials.stamp_not_found()
    client = client_hash(settings.scan_hash_key, address)
    network = evidence.network_hash(settings.scan_hash_key, address)
    now = datetime.now(UTC)
    day = evidence.scan_day(now)
    for _ in range(3):  # again only when a flush committed while the counters were read
        generation = await BUFFER.settled()
        found = await STAMP_READS.read((serial, network, day))
        if found is None:
            raise serials.stamp_not_found()
        row = found
        shown = await _shown_batch(row["batch"], str(row["batch_created"]), storage)
        # From here to BUFFER.add, no await: a scan of the same stamp read at the same moment (one
        # batched query) then counts this one.
        pending = BUFFER.pending(row["id"])
        if not BUFFER.moved(row["id"], generation):
            break
    scans = row["scans"] + pending.scans + 1
    spread = evidence.with_this_scan(row, pending, network, day)
    if record:
        device = device_class(user_agent)
        BUFFER.add((row["id"], now, client, network, day, device, spread.new_network, spread.new_day))
    warned = warnings(shown.facts, spread, settings, row["status"], clock.today())
    return ScanResult(
        serial=row["serial"],
        status=row["status"],
        revoked_reason=row["revoked_reason"],
        scan_count=scans,
        has_pin=bool(row["has_pin"]),
        revoked=warned.revoked,
        counterfeit=warned.counterfeit,
        counterfeit_reason=warned.counterfeit_reason,
        distinct_networks=warned.distinct_networks,
        batch=shown,
    )


def warnings(
    facts: BatchFacts, spread: evidence.Spread, settings: TraceabilitySettings, status: str, today: date
) -> Warnings:
    """Whether the stamp is revoked, and whether (and why) it may be a counterfeit."""
    too_many = spread.raises(settings)
    expiry = facts.expiry_date
    # today minus the grace, not expiry plus it: a stored 9999-12-31 must not overflow the page.
    too_late = expiry is not None and shifted(today, days=-settings.counterfeit_days_after_expiry) > expiry
    return Warnings(
        revoked=status == "revoked",
        counterfeit=too_many or too_late,
        counterfeit_reason="clients" if too_many else ("expiry" if too_late else ""),
        distinct_networks=spread.networks,
    )


class Flusher:
    """Writes buffered scans every second, and the rest at shutdown."""

    def __init__(self, buffer: ScanBuffer) -> None:
        self.buffer = buffer
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
        while True:
            await asyncio.sleep(FLUSH_AFTER)
            # Never cancelled mid-INSERT: SQLite runs it in a thread and may commit it anyway, and
            # the rows, kept for the next flush as unwritten, would then be written twice.
            await asyncio.shield(asyncio.ensure_future(self.buffer.flush_logged()))
