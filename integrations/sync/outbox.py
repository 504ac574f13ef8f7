"""The outbox: jobs written in the caller's transaction, claimed with leases, completed or retried.

One job row per listing: a newer change overwrites its version (coalescing), so only the newest
version is ever sent. Times are epoch seconds so the same raw SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from integrations.db import is_postgres
from integrations.tables import SyncJob


async def enqueue(listing_id: int, marketplace_id: int, version: int) -> None:
    """Queue ``version`` of a listing; call inside the transaction that changed the listing."""
    now = time.time()
    changed = await SyncJob.raw(
        "UPDATE sync_job SET version = {}, attempts = 0, next_attempt_at = {}, last_error = '', "
        "status = CASE WHEN status = 'running' THEN 'running' ELSE 'queued' END "
        "WHERE listing = {} RETURNING id",
        version,
        now,
        listing_id,
    )
    if not changed:
        await SyncJob.insert(
            SyncJob(
                listing=listing_id,
                marketplace=marketplace_id,
                version=version,
                status="queued",
                next_attempt_at=now,
                updated_at=datetime.now(UTC),
            )
        )


async def claim(lease_s: float, marketplace_ids: list[int] | None = None) -> dict | None:
    """Take one due job (or one whose worker's lease ran out) and lease it to the caller."""
    now = time.time()
    token = uuid.uuid4().hex
    lock = "FOR UPDATE SKIP LOCKED" if is_postgres() else ""
    rows = await SyncJob.raw(  # a fixed locking clause; every value is a parameter
        "UPDATE sync_job SET status = 'running', claimed_until = {}, claim_token = {}, attempts = attempts + 1 "  # noqa: S608
        "WHERE id = (SELECT id FROM sync_job WHERE (status = 'queued' AND next_attempt_at <= {}) "
        "OR (status = 'running' AND claimed_until < {}) "
        f"ORDER BY next_attempt_at LIMIT 1 {lock}) "
        "RETURNING id, listing, version, attempts, claim_token",
        now + lease_s,
        token,
        now,
        now,
    )
    return rows[0] if rows else None


async def complete(job_id: int, token: str, sent_version: int) -> None:
    """Done, unless a newer version arrived while sending: then it is due again at once."""
    await SyncJob.raw(
        "UPDATE sync_job SET status = CASE WHEN version <= {} THEN 'done' ELSE 'queued' END, "
        "attempts = CASE WHEN version <= {} THEN attempts ELSE 0 END, "
        "next_attempt_at = {}, last_error = '' WHERE id = {} AND claim_token = {}",
        sent_version,
        sent_version,
        time.time(),
        job_id,
        token,
    )


async def fail(
    job_id: int, token: str, error: str, delay_s: float, max_attempts: int, dead: bool = False
) -> None:
    """Back off, or give up (dead, visible to the admin) after ``max_attempts``."""
    await SyncJob.raw(
        "UPDATE sync_job SET status = CASE WHEN {} OR attempts >= {} THEN 'dead' ELSE 'queued' END, "
        "next_attempt_at = {}, last_error = {} WHERE id = {} AND claim_token = {}",
        dead,
        max_attempts,
        time.time() + delay_s,
        error[:1000],
        job_id,
        token,
    )


async def retry(job_id: int) -> bool:
    """Admin action: a dead (or any) job goes back to the queue with a fresh attempt budget."""
    rows = await SyncJob.raw(
        "UPDATE sync_job SET status = 'queued', attempts = 0, next_attempt_at = {} "
        "WHERE id = {} AND status <> 'running' RETURNING id",
        time.time(),
        job_id,
    )
    return bool(rows)


async def retry_dead_of_account(account_id: int) -> int:
    """The seller fixed the account's credentials: its jobs that gave up on them go back to the queue."""
    rows = await SyncJob.raw(
        "UPDATE sync_job SET status = 'queued', attempts = 0, next_attempt_at = {} "
        "WHERE status = 'dead' AND listing IN (SELECT id FROM listing WHERE account = {}) RETURNING id",
        time.time(),
        account_id,
    )
    return len(rows)
