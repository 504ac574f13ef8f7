"""The sync worker: claim a job, push the listing's newest version through its adapter, record.

Runs as asyncio tasks inside the web app (development, SQLite) or as N processes started by
``piccolo integrations worker`` (PostgreSQL, jobs claimed with FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from agrimarket.media.storage import Storage
from agrimarket.products.catalog import unit_weight_grams
from agrimarket.repeated_failure import RepeatedFailureLog
from agrimarket.tables import Product, ProductPhoto
from integrations import crypto
from integrations.adapters.base import (
    Account,
    CredentialsError,
    ListingPayload,
    Rejected,
    Retryable,
)
from integrations.adapters.registry import Adapters
from integrations.listings import service as listings
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.stock.shares import pushed_stock
from integrations.sync import backoff, outbox, ratelimit
from integrations.tables import Listing, Marketplace, MarketplaceAccount

log = logging.getLogger(__name__)


async def _payload(listing: dict, storage: Storage) -> ListingPayload | None:
    product = await Product.select().where(Product.id == listing["product"]).first()
    if product is None:
        return None
    photos = (
        await ProductPhoto.select(ProductPhoto.image_key)
        .where(ProductPhoto.product == product["id"])
        .order_by(ProductPhoto.position)
    )
    grams = unit_weight_grams(product["unit"], product["unit_weight_g"])
    return ListingPayload(
        sku=f"agm-{listing['id']}",
        name=product["name"],
        description=product["description"],
        category=product["category"],
        unit=product["unit"],
        price_vnd=product["price_vnd"],
        # The oversell guard: each marketplace sees only its share of the stock.
        stock=pushed_stock(product["stock"], listing["share_percent"], listing["reserve_units"]),
        photo_urls=[storage.url(p["image_key"]) for p in photos],
        version=listing["version"],
        photo_keys=[p["image_key"] for p in photos],
        weight_kg=None if grams is None else grams / 1000,
    )


class Worker:
    def __init__(self, settings: IntegrationsSettings, adapters: Adapters, storage: Storage) -> None:
        self.settings = settings
        self.adapters = adapters
        self.storage = storage
        self._stop = asyncio.Event()
        self._rates: dict[int, tuple[str, float]] = {}
        # While the database is down every poll fails alike: one traceback, then a line a minute.
        self.poll_failures = RepeatedFailureLog(log, "sync worker: poll")
        self.reconcile_failures = RepeatedFailureLog(log, "sync worker: reconciliation")
        self.order_pull_failures = RepeatedFailureLog(log, "sync worker: order pull")

    async def _marketplace(self, marketplace_id: int) -> tuple[str, float]:
        if marketplace_id not in self._rates:
            row = await Marketplace.select().where(Marketplace.id == marketplace_id).first()
            self._rates[marketplace_id] = (row["code"], row["rate_limit_per_s"])
        return self._rates[marketplace_id]

    async def run_one(self) -> bool:
        """Process one due job; False when there was none."""
        job = await outbox.claim(self.settings.lease_seconds)
        if job is None:
            return False
        try:
            await self._push(job)
        except Exception as exc:  # a bug must not kill the worker; the job backs off and is visible
            log.exception("sync job %s failed", job["id"])
            await self._retry(job, f"{type(exc).__name__}: {exc}", None)
        return True

    async def _retry(self, job: dict, error: str, retry_after: float | None, dead: bool = False) -> None:
        s = self.settings
        wait = backoff.delay(job["attempts"], s.backoff_base_seconds, s.backoff_cap_seconds, retry_after)
        await outbox.fail(job["id"], job["claim_token"], error, wait, s.max_attempts, dead)

    async def _push(self, job: dict) -> None:
        listing = await Listing.select().where(Listing.id == job["listing"]).first()
        code, rate = await self._marketplace(listing["marketplace"])
        version = listing["version"]
        account_row = (
            await MarketplaceAccount.select().where(MarketplaceAccount.id == listing["account"]).first()
        )
        if account_row is None:
            await self._retry(job, "no seller account", None, dead=True)
            return
        account = Account(
            account_row["shop_id"],
            crypto.decrypt(self.settings.credentials_key, account_row["credentials_encrypted"]),
            account_id=account_row["id"],
        )
        adapter = self.adapters.get(code)
        key = f"{listing['id']}-{version}"
        payload = None if listing["wanted"] == "delisted" else await _payload(listing, self.storage)
        try:
            if payload is None:
                external_id = listing["external_id"]
                if external_id is None:
                    # No id does not mean nothing is there: a create whose answer was lost was stored.
                    await ratelimit.acquire(code, rate)
                    found = await adapter.find_by_sku(account, f"agm-{listing['id']}")
                    if found is None:
                        await listings.record(listing["id"], version, None, state="delisted")
                        await outbox.complete(job["id"], job["claim_token"], version)
                        return
                    external_id = found.external_id
                await ratelimit.acquire(code, rate)
                remote = await adapter.delist(account, external_id, key)
            elif listing["external_id"] is None:
                await ratelimit.acquire(code, rate)
                remote = await adapter.publish(account, payload, key)
            else:
                await ratelimit.acquire(code, rate)
                remote = await adapter.update(account, listing["external_id"], payload, key)
        except Retryable as exc:
            await self._retry(job, str(exc), exc.retry_after)
            return
        except Rejected as exc:
            await listings.record(
                listing["id"], version, None, exc.reason_vi, exc.reason_en, state="rejected"
            )
            await outbox.complete(job["id"], job["claim_token"], version)
            return
        except CredentialsError as exc:
            await MarketplaceAccount.update(
                {
                    MarketplaceAccount.needs_attention: True,
                    MarketplaceAccount.attention_reason: str(exc)[:300],
                }
            ).where(MarketplaceAccount.id == account_row["id"])
            await self._retry(job, f"credentials: {exc}", None, dead=True)
            return
        await listings.record(listing["id"], version, remote)
        await outbox.complete(job["id"], job["claim_token"], version)

    async def loop(self) -> None:
        """Work until stopped; sleep ``poll_seconds`` when the queue is empty."""
        while not self._stop.is_set():
            busy = False
            with self.poll_failures:
                busy = await self.run_one()
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.settings.poll_seconds)

    async def reconcile_once(self) -> int:
        """Pull the status of live listings; record take-downs done on the marketplace side."""
        changed = 0
        rows = await Listing.select().where((Listing.state == "live") & (Listing.external_id.is_not_null()))
        for listing in rows:
            code, rate = await self._marketplace(listing["marketplace"])
            account_row = (
                await MarketplaceAccount.select().where(MarketplaceAccount.id == listing["account"]).first()
            )
            if account_row is None:
                continue
            account = Account(
                account_row["shop_id"],
                crypto.decrypt(self.settings.credentials_key, account_row["credentials_encrypted"]),
                account_id=account_row["id"],
            )
            await ratelimit.acquire(code, rate)
            try:
                remote = await self.adapters.get(code).fetch_status(account, listing["external_id"])
            except (Retryable, Rejected, CredentialsError):
                continue
            if remote.state == "delisted":
                await listings.taken_down(listing["id"], remote.reason_vi or "Sàn đã gỡ sản phẩm.")
                changed += 1
        return changed

    async def reconcile_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.settings.reconcile_seconds)
            except TimeoutError:
                with self.reconcile_failures:
                    await self.reconcile_once()
                with self.order_pull_failures:
                    await pull_orders(self.adapters, self.settings)

    async def run(self, concurrency: int | None = None, reconcile: bool = True) -> None:
        tasks = [self.loop() for _ in range(concurrency or self.settings.worker_concurrency)]
        if reconcile:
            tasks.append(self.reconcile_loop())
        await asyncio.gather(*tasks)

    def stop(self) -> None:
        self._stop.set()
