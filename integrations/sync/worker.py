"""The sync worker: claim a job, push the listing's newest version through its adapter, record;
and send the order desk's actions (``integrations.orders.execute``).

Runs as asyncio tasks inside the web app (development, SQLite) or as N processes started by
``piccolo integrations worker`` (PostgreSQL, jobs claimed with FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from agrimarket.db import fetch_direct, write_transaction
from agrimarket.media.storage import Storage
from agrimarket.products.catalog import unit_weight_grams
from agrimarket.products.service import answers_of
from agrimarket.repeated_failure import RepeatedFailureLog
from integrations import crypto
from integrations.adapters.base import (
    Account,
    CredentialsError,
    ListingPayload,
    Rejected,
    RemoteListing,
    Retryable,
)
from integrations.adapters.registry import Adapters
from integrations.listings import service as listings
from integrations.orders import execute
from integrations.orders import outbox as order_actions
from integrations.orders.deadlines import warn_near_deadlines
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.stock.shares import pushed_stock
from integrations.sync import backoff, outbox, ratelimit
from integrations.sync import reconcile as reconciliation
from integrations.tables import Listing, Marketplace, MarketplaceAccount

log = logging.getLogger(__name__)
# How long a worker busy with listing jobs goes without looking for a due order action again: an
# order action waits at most this much longer, against deadlines of hours.
ORDER_ACTIONS_RECHECK_S = 0.2


# A job's listing, its seller account, its product and the product's photos (one row per photo)
# in one statement rather than four selects through the ORM: at R = 200 a worker spends most of its
# time building queries and sending them.
_JOB_SQL = """
SELECT l.id, l.marketplace, l.version, l.wanted, l.external_id, l.share_percent, l.reserve_units,
  a.id AS account_id, a.shop_id, a.credentials_encrypted,
  p.id AS product_id, p.name, p.description, p.category, p.unit, p.price_vnd, p.stock,
  p.unit_weight_g, p.marketplace_attributes, ph.image_key
FROM listing l
LEFT JOIN marketplace_account a ON a.id = l.account
LEFT JOIN product p ON p.id = l.product
LEFT JOIN product_photo ph ON ph.product = p.id
WHERE l.id = {}
ORDER BY ph.position
"""


def _payload(rows: Sequence[Mapping[str, Any]], storage: Storage) -> ListingPayload | None:
    """What the marketplace is sent, from the job's rows (``_JOB_SQL``); None without a product."""
    row = rows[0]  # the listing's, account's and product's columns; the photo's differ by row
    if row["product_id"] is None:
        return None
    photo_keys = [photo["image_key"] for photo in rows if photo["image_key"] is not None]
    grams = unit_weight_grams(row["unit"], row["unit_weight_g"])
    return ListingPayload(
        sku=f"agm-{row['id']}",
        name=row["name"],
        description=row["description"],
        category=row["category"],
        unit=row["unit"],
        price_vnd=row["price_vnd"],
        # The oversell guard: each marketplace sees only its share of the stock.
        stock=pushed_stock(row["stock"], row["share_percent"], row["reserve_units"]),
        photo_urls=[storage.url(key) for key in photo_keys],
        version=row["version"],
        photo_keys=photo_keys,
        weight_kg=None if grams is None else grams / 1000,
        attributes=answers_of(row),
    )


class Worker:
    def __init__(self, settings: IntegrationsSettings, adapters: Adapters, storage: Storage) -> None:
        self.settings = settings
        self.adapters = adapters
        self.storage = storage
        self._stop = asyncio.Event()
        self._codes: dict[int, str] = {}
        self._no_actions_until = 0.0  # monotonic time before which run_one skips the order-action claim
        # While the database is down every poll fails alike: one traceback, then a line a minute.
        self.poll_failures = RepeatedFailureLog(log, "sync worker: poll")
        self.reconcile_failures = RepeatedFailureLog(log, "sync worker: reconciliation")
        self.order_pull_failures = RepeatedFailureLog(log, "sync worker: order pull")
        self.deadline_failures = RepeatedFailureLog(log, "sync worker: deadline scan")

    async def code(self, marketplace_id: int) -> str:
        if marketplace_id not in self._codes:
            row = await Marketplace.select(Marketplace.code).where(Marketplace.id == marketplace_id).first()
            assert row is not None
            self._codes[marketplace_id] = row["code"]
        return self._codes[marketplace_id]

    def account(self, row: dict) -> Account:
        credentials = crypto.decrypt(self.settings.credentials_key, row["credentials_encrypted"])
        return Account(row["shop_id"], credentials, account_id=row["id"])

    async def run_one(self) -> bool:
        """Process one due order action, else one due listing job, of a marketplace with budget now;
        False when there was none. Order actions first: they race the marketplaces' deadlines.

        While listing jobs keep the worker busy, a loop that found no order action due looks again
        only after ``ORDER_ACTIONS_RECHECK_S`` (a claim query a job fewer: a sixth of a job's
        statements); an idle worker looks at both every time."""
        looked = time.monotonic() >= self._no_actions_until
        if looked:
            if await self._run_action():
                return True
            self._no_actions_until = time.monotonic() + ORDER_ACTIONS_RECHECK_S
        job = await outbox.claim(self.settings.lease_seconds)
        if job is None:
            self._no_actions_until = 0.0
            return False if looked else await self._run_action()
        try:
            await self._push(job)
        except Exception as exc:  # a bug must not kill the worker; the job backs off and is visible
            log.exception("sync job %s failed", job["id"])
            await self._retry(job, f"{type(exc).__name__}: {exc}", "bug")
        return True

    async def _run_action(self) -> bool:
        """Claim and send one due order action; False when none is due."""
        action = await order_actions.claim(self.settings.lease_seconds)
        if action is None:
            return False
        try:
            await execute.run_action(action, self.adapters, self.settings)
        except Exception as exc:  # a bug must not kill the worker; the action backs off
            log.exception("order action %s failed", action["id"])
            await execute.retry(action, f"bug: {type(exc).__name__}: {exc}", self.settings)
        return True

    async def _retry(self, job: dict, error: str, call: str, dead: bool = False) -> None:
        """A failure of ``call``: back off (by that call's failures so far), or give up."""
        s = self.settings
        failures = json.loads(job.get("call_failures") or "{}")
        wait = backoff.delay(failures.get(call, 0) + 1, s.backoff_base_seconds, s.backoff_cap_seconds)
        if await outbox.fail(job, error, call, wait, s.max_attempts, s.give_up_seconds, dead):
            await listings.needs_check(job["listing"], error)

    async def _slow_down(self, job: dict, code: str, exc: Retryable) -> None:
        """429 / Retry-After: every worker leaves the marketplace alone that long; no attempt used."""
        wait = exc.retry_after if exc.retry_after is not None else self.settings.backoff_base_seconds
        await ratelimit.hold(code, wait)
        await outbox.release(job["id"], job["claim_token"], time.time() + wait, f"{exc} (chờ {wait:g} s)")

    async def _push(self, job: dict) -> None:
        rows = await fetch_direct(Listing, _JOB_SQL, job["listing"])
        assert rows, "a job's listing is deleted with it"
        listing = rows[0]
        code = await self.code(listing["marketplace"])
        version = listing["version"]
        if listing["account_id"] is None:
            await self._retry(job, "no seller account", "account", dead=True)
            return
        account_id = listing["account_id"]
        account = self.account(
            {
                "id": account_id,
                "shop_id": listing["shop_id"],
                "credentials_encrypted": listing["credentials_encrypted"],
            }
        )
        adapter = self.adapters.get(code)
        key = f"{listing['id']}-{version}"
        payload = None if listing["wanted"] == "delisted" else _payload(rows, self.storage)
        try:
            if payload is None:
                external_id = listing["external_id"]
                if external_id is None:
                    # No id does not mean nothing is there: a create whose answer was lost was stored.
                    found = await adapter.find_by_sku(account, f"agm-{listing['id']}")
                    if found is None:
                        await self._done(job, listing["id"], version, None, state="delisted")
                        return
                    external_id = found.external_id
                remote = await adapter.delist(account, external_id, key)
            elif listing["external_id"] is None:
                remote = await adapter.publish(account, payload, key)
            else:
                remote = await adapter.update(account, listing["external_id"], payload, key)
        except Retryable as exc:
            if exc.throttled:
                await self._slow_down(job, code, exc)
            else:
                await self._retry(job, str(exc), exc.call or "call")
            return
        except Rejected as exc:
            await self._done(
                job,
                listing["id"],
                version,
                None,
                reason_vi=exc.reason_vi,
                reason_en=exc.reason_en,
                state="rejected",
            )
            return
        except CredentialsError as exc:
            await MarketplaceAccount.update(
                {
                    MarketplaceAccount.needs_attention: True,
                    MarketplaceAccount.attention_reason: str(exc)[:300],
                }
            ).where(MarketplaceAccount.id == account_id)
            await self._retry(job, f"credentials: {exc}", "credentials", dead=True)
            return
        await self._done(job, listing["id"], version, remote)

    async def _done(
        self, job: dict, listing_id: int, version: int, remote: RemoteListing | None, **result: str
    ) -> None:
        """The marketplace's answer recorded and the job completed in one transaction: one commit
        (one WAL flush) a job fewer, and never a result stored with its job still running."""
        async with write_transaction():
            await listings.record(listing_id, version, remote, **result)
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

    async def reconcile_once(self, stop: asyncio.Event | None = None) -> int:
        """Read each listing's state on its marketplace back into ours (see ``sync.reconcile``);
        the pass ends early once ``stop`` is set."""
        return await reconciliation.reconcile(self, stop)

    async def reconcile_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.settings.reconcile_seconds)
            except TimeoutError:
                with self.reconcile_failures:
                    await self.reconcile_once(self._stop)
                with self.order_pull_failures:
                    await pull_orders(self.adapters, self.settings)

    async def deadline_loop(self) -> None:
        """Tell sellers of orders near their deadline (``orders.deadlines``), every
        ``deadline_scan_seconds``; every worker process scans, each order is told once."""
        while not self._stop.is_set():
            with self.deadline_failures:
                await warn_near_deadlines()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.deadline_scan_seconds)

    async def run(self, concurrency: int | None = None, reconcile: bool = True) -> None:
        """The send loops, and (``reconcile``) the periodic passes: reconciliation, the order pull
        and the deadline scan."""
        tasks = [self.loop() for _ in range(concurrency or self.settings.worker_concurrency)]
        if reconcile:
            tasks.append(self.reconcile_loop())
            tasks.append(self.deadline_loop())
        await asyncio.gather(*tasks)

    def stop(self) -> None:
        self._stop.set()
