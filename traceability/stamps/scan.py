"""The public side of a stamp: what it proves and counterfeit warnings.

A scan costs one indexed query (the stamp with its scan counters; scans arriving together share
it); the batch's facts are cached for a short while, and scan rows are buffered and written in
batches after the response (``scan_log``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import msgspec

from agrimarket import clock
from agrimarket.dates import shifted
from agrimarket.db import BatchedReads, fetch_direct
from agrimarket.media.storage import Storage
from agrimarket.ports import current as query_ports
from agrimarket.tables import ProductPhoto
from agrimarket.web.page_cache import PageCache
from traceability.batches import service as batches
from traceability.batches.facts import BatchFacts
from traceability.settings import TraceabilitySettings
from traceability.stamps import evidence, serials
from traceability.stamps.scan_log import BUFFER
from traceability.tables import Stamp

FACTS_TTL = 30.0  # seconds a batch's facts are reused between scans
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
