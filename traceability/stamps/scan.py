"""The public side of a stamp: what it proves, counterfeit warnings, and the scan log.

A scan costs one indexed query (the stamp with its scan counts); the batch's facts are cached
for a short while, and scan rows are buffered and written in batches after the response.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from agrimarket import clock
from agrimarket.errors import NotFound
from agrimarket.media.storage import Storage
from agrimarket.tables import ProductPhoto
from traceability.batches import service as batches
from traceability.settings import TraceabilitySettings
from traceability.stamps import serials
from traceability.tables import Scan, Stamp

log = logging.getLogger(__name__)
FACTS_TTL = 30.0  # seconds a batch's facts are reused between scans
FLUSH_AT = 32  # buffered scans written together
FLUSH_AFTER = 1.0  # seconds a scan may wait in the buffer
KEEP_AT_MOST = 20_000  # scans kept while the database is unreachable (the newest win)


def stamp_not_found() -> NotFound:
    return NotFound("Tem này không có trong hệ thống.", "This stamp is not in the system.")


async def where_to_buy(product_id: int) -> list[dict]:
    """Live marketplace listings of the product ({name, url}), from the integrations app.

    Only http(s) links reach the public page: a marketplace's URL is data from outside.
    """
    from integrations.hooks import live_links  # lazy: the apps import each other only through hooks

    links = await live_links(product_id)
    return [link for link in links if str(link.get("url") or "").lower().startswith(("https://", "http://"))]


def client_hash(key: str, address: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a client address: distinct clients countable, never stored."""
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()


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


class ScanBuffer:
    """Scans waiting to be written; thread-safe because the swap happens under a lock."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.oldest = 0.0
        self.lock = threading.Lock()

    def add(self, stamp_id: int, client: str, device: str) -> None:
        with self.lock:
            if not self.rows:
                self.oldest = time.monotonic()
            self.rows.append(
                {"stamp": stamp_id, "client_hash": client, "device": device, "at": datetime.now(UTC)}
            )

    def pending(self, stamp_id: int) -> list[str]:
        with self.lock:
            return [r["client_hash"] for r in self.rows if r["stamp"] == stamp_id]

    def due(self) -> bool:
        return len(self.rows) >= FLUSH_AT or (
            bool(self.rows) and time.monotonic() - self.oldest >= FLUSH_AFTER
        )

    async def flush(self) -> int:
        with self.lock:
            rows, self.rows = self.rows, []
        if rows:
            try:
                await Scan.insert(
                    *[
                        Scan(
                            stamp=r["stamp"],
                            scanned_at=r["at"],
                            client_hash=r["client_hash"],
                            device=r["device"],
                        )
                        for r in rows
                    ]
                )
            except BaseException:
                # One INSERT: nothing was written. Keep the scans for the next flush (database restart).
                with self.lock:
                    self.rows = (rows + self.rows)[-KEEP_AT_MOST:]
                    self.oldest = time.monotonic()
                raise
        return len(rows)

    async def flush_if_due(self) -> None:
        if self.due():
            await self.flush()


BUFFER = ScanBuffer()
_facts: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}

_STAMP_SQL = """
SELECT s.id, s.serial, s.status, s.revoked_reason, s.batch, b.created_at AS batch_created,
  (SELECT COUNT(*) FROM scan c WHERE c.stamp = s.id) AS scans,
  (SELECT COUNT(DISTINCT c.client_hash) FROM scan c WHERE c.stamp = s.id) AS clients,
  (SELECT COUNT(*) FROM scan c WHERE c.stamp = s.id AND c.client_hash = {}) AS mine
FROM stamp s JOIN batch b ON b.id = s.batch WHERE s.serial = {}
"""


async def _batch_facts(batch_id: int, version: str, storage: Storage) -> dict[str, Any]:
    """The batch's facts plus photo and shops, cached briefly (keyed with the batch's creation time)."""
    key = (batch_id, version)
    hit = _facts.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    facts = await batches.batch_facts(batch_id)
    photo = (
        await ProductPhoto.select(ProductPhoto.thumb_key)
        .where(ProductPhoto.product == facts["product"]["id"])
        .order_by(ProductPhoto.position, ProductPhoto.id)
        .first()
    )
    facts["photo_url"] = storage.url(photo["thumb_key"]) if photo else None
    facts["where_to_buy"] = await where_to_buy(facts["product"]["id"])
    if len(_facts) > 5000:
        _facts.clear()
    _facts[key] = (time.monotonic() + FACTS_TTL, facts)
    return facts


async def scan(
    serial_text: str, address: str, user_agent: str, settings: TraceabilitySettings, storage: Storage
) -> dict[str, Any]:
    """Look a stamp up and log this scan. Raises NotFound for unknown serials."""
    serial = serials.normalise(serial_text)
    if serial is None:
        raise stamp_not_found()
    client = client_hash(settings.scan_hash_key, address)
    rows = await Stamp.raw(_STAMP_SQL, client, serial)
    if not rows:
        raise stamp_not_found()
    row = rows[0]
    batch_created = row["batch_created"]
    facts = await _batch_facts(row["batch"], str(batch_created), storage)
    waiting = BUFFER.pending(row["id"])
    BUFFER.add(row["id"], client, device_class(user_agent))
    seen_before = row["mine"] > 0 or client in waiting
    clients = row["clients"] + len(set(waiting)) + (0 if seen_before else 1)
    scans = row["scans"] + len(waiting) + 1
    return {
        "serial": row["serial"],
        "status": row["status"],
        "revoked_reason": row["revoked_reason"],
        "scan_count": scans,
        **warnings(facts, clients, settings, row["status"], clock.today()),
        "facts": facts,
    }


def warnings(
    facts: dict[str, Any], clients: int, settings: TraceabilitySettings, status: str, today: date
) -> dict[str, Any]:
    too_many = clients > settings.counterfeit_distinct_clients
    expiry = facts.get("expiry_date")
    too_late = bool(expiry) and today > expiry + timedelta(days=settings.counterfeit_days_after_expiry)
    return {
        "revoked": status == "revoked",
        "counterfeit": too_many or too_late,
        "counterfeit_reason": "clients" if too_many else ("expiry" if too_late else ""),
        "distinct_clients": clients,
    }


class Flusher:
    """Writes buffered scans every second, and the rest at shutdown."""

    def __init__(self, buffer: ScanBuffer) -> None:
        self.buffer = buffer
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        if self.task is None:
            self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None
        with contextlib.suppress(Exception):
            await self.buffer.flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_AFTER)
            from traceability.stamps.jobs import engine_usable

            if not self.buffer.rows or not engine_usable():
                continue
            try:
                await self.buffer.flush()
            except Exception:
                log.exception("scan log: flush failed")
