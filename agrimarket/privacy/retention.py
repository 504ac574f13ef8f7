"""The retention job (issue 26): personal data older than its documented period is deleted or
blanked, once at start and then every ``RETENTION_INTERVAL_HOURS``.

The core's steps are here (sign-in records, one-time codes, message bodies); traceability and
integrations add theirs through ``QueryPorts.retention_steps`` (``create_app`` wires them), so the
core names none of their tables. What the indicators count stays: a scan keeps its time and stamp,
an order its date, status, amount and seller; only who scanned and where a parcel went go.

Each step works in batches of ``BATCH`` rows, one short write transaction each, so SQLite's writers
are never held up for long; every step is idempotent, so several processes running it do no harm.
Run once from a cron with ``python -m agrimarket.privacy.run`` (``RETENTION_JOB=off``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from piccolo.table import Table

from agrimarket import clock, ports
from agrimarket.db import write_transaction
from agrimarket.media.storage import Storage
from agrimarket.privacy.deletion import erase_due
from agrimarket.privacy.periods import RetentionRun, RetentionSettings, RetentionStep
from agrimarket.settings import Settings
from agrimarket.tables import AuthSession, Message, MessageDelivery, SignInCode

log = logging.getLogger(__name__)
BATCH = 5000
RETRY_AFTER_FAILURE_S = 300  # a pass that failed (the database was down) is tried again soon
MESSAGE_REMOVED = "Nội dung tin nhắn đã được xoá khi hết thời hạn lưu trữ."


async def in_batches(table: type[Table], template: str, *args: Any) -> int:
    """Run ``template`` (an UPDATE or DELETE of at most ``{}`` = BATCH rows, the last placeholder,
    ending in ``RETURNING id``) until it changes fewer than BATCH rows; the rows changed."""
    changed = 0
    while True:
        async with write_transaction():
            rows = await table.raw(template, *args, BATCH)
        changed += len(rows)
        if len(rows) < BATCH:
            return changed


async def sign_in_records(run: RetentionRun) -> int:
    """Sign-ins (sessions) made longer ago than the period and already ended; live ones stay."""
    return await in_batches(
        AuthSession,
        "DELETE FROM auth_session WHERE id IN (SELECT id FROM auth_session "
        "WHERE created_at < {} AND expires_at < {} LIMIT {}) RETURNING id",
        run.cutoff(run.periods.sign_in_days),
        run.now,
    )


async def sign_in_codes(run: RetentionRun) -> int:
    """One-time codes (only their hashes are kept, valid 5 minutes) older than the period."""
    return await in_batches(
        SignInCode,
        "DELETE FROM sign_in_code WHERE id IN (SELECT id FROM sign_in_code WHERE created_at < {} LIMIT {}) "
        "RETURNING id",
        run.cutoff(run.periods.sign_in_code_days),
    )


async def message_bodies(run: RetentionRun) -> int:
    """Old messages keep that they were sent (kind, time, channel, fate) and lose what they said
    and the phone they went to."""
    cutoff = run.cutoff(run.periods.message_body_days)
    bodies = await in_batches(
        Message,
        "UPDATE message SET text = {}, params = {} WHERE id IN (SELECT id FROM message "
        "WHERE created_at < {} AND text <> {} LIMIT {}) RETURNING id",
        MESSAGE_REMOVED,
        "{}",
        cutoff,
        MESSAGE_REMOVED,
    )
    # Only settled deliveries (sent, failed, inbox only, over the cap): the worker is done with them.
    phones = await in_batches(
        MessageDelivery,
        "UPDATE message_delivery SET phone = '' WHERE id IN (SELECT d.id FROM message_delivery d "
        "JOIN message m ON m.id = d.message WHERE m.created_at < {} AND d.phone <> '' "
        "AND d.status IN ('sent', 'failed', 'inbox', 'capped') LIMIT {}) RETURNING id",
        cutoff,
    )
    return bodies + phones


async def closed_accounts(run: RetentionRun) -> int:
    """Households whose deletion request's grace period is over (``privacy.deletion``)."""
    return await erase_due(run.now)


CORE_STEPS: tuple[RetentionStep, ...] = (closed_accounts, sign_in_records, sign_in_codes, message_bodies)


async def run_once(settings: Settings, storage: Storage) -> dict[str, int]:
    """One pass of every step at ``clock.now()``: rows changed by step name (-1: the step failed; it
    is logged, the others still run and the next pass tries it again)."""
    run = RetentionRun(clock.now(), settings.section(RetentionSettings), settings, storage)
    done: dict[str, int] = {}
    for step in (*CORE_STEPS, *ports.current().retention_steps):
        name = getattr(step, "__qualname__", repr(step))
        try:
            done[name] = await step(run)
        except Exception:  # the database went away mid-pass: the next pass resumes, all idempotent
            log.exception("retention step %s failed", name)
            done[name] = -1
    if any(done.values()):
        log.info("retention: %s", ", ".join(f"{name} {n}" for name, n in done.items() if n))
    return done


class RetentionJob:
    """Runs ``run_once`` at start and then every ``interval_hours`` until stopped."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings, self.storage = settings, storage
        self.periods = settings.section(RetentionSettings)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def loop(self) -> None:
        while not self._stop.is_set():
            done = await run_once(self.settings, self.storage)
            wait = self.periods.interval_hours * 3600
            if any(n < 0 for n in done.values()):
                wait = min(wait, RETRY_AFTER_FAILURE_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)

    async def start(self) -> None:
        if self.periods.run_in_process and self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self.loop())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
            self._task = None
