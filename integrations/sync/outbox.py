"""The outbox: jobs written in the caller's transaction, claimed with leases, completed or retried.

One job row per listing: a newer change overwrites its version (coalescing), so only the newest
version is ever sent. Times are epoch seconds so the same raw SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from agrimarket.db import fetch_direct
from integrations.db import is_postgres
from integrations.tables import SyncJob

NO_FAILURES = "{}"  # call_failures of a job that has not failed (a parameter: braces are placeholders)


async def enqueue(listing_id: int, marketplace_id: int, version: int) -> None:
    """Queue ``version`` of a listing; call inside the transaction that changed the listing."""
    now = time.time()
    changed = await fetch_direct(
        SyncJob,
        "UPDATE sync_job SET version = {}, attempts = 0, call_failures = {}, failing_since = 0, "
        "next_attempt_at = {}, last_error = '', "
        "status = CASE WHEN status = 'running' THEN 'running' ELSE 'queued' END "
        "WHERE listing = {} RETURNING id",
        version,
        NO_FAILURES,
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


# A marketplace has budget "now" when its next free send slot is at most this far ahead: the first
# call then waits that long at most, instead of a worker holding a job while a backlog drains.
BUDGET_SLACK_S = 0.2
# Jobs running per marketplace (leases not run out): the fewest go first, so a saturated marketplace
# never takes every worker and the others keep their share. Counted once per claim.
_RUNNING = (
    "WITH running AS (SELECT marketplace, count(*) AS n FROM sync_job "
    "WHERE status = 'running' AND claimed_until >= {} GROUP BY marketplace) "
)
# A job is due when queued and its time has come, or running with its worker's lease run out.
_DUE = (
    "((d.status = 'queued' AND d.next_attempt_at <= {}) OR (d.status = 'running' AND d.claimed_until < {}))"
)
# Each marketplace with budget offers its first due job (index sync_job_open, in due order), and the
# claim takes the offer of the one with the fewest running. PostgreSQL locks the offers (SKIP LOCKED:
# a job another worker is claiming is passed over); SQLite's writers take turns anyway.
_OFFERS = {
    True: (
        "CROSS JOIN LATERAL (SELECT d.id, d.next_attempt_at FROM sync_job d "  # noqa: S608 - fixed clauses
        f"WHERE d.marketplace = m.id AND {_DUE} ORDER BY d.next_attempt_at LIMIT 1 "
        "FOR UPDATE SKIP LOCKED) j"
    ),
    False: (
        "JOIN sync_job j ON j.id = (SELECT d.id FROM sync_job d "  # noqa: S608 - fixed clauses
        f"WHERE d.marketplace = m.id AND {_DUE} ORDER BY d.next_attempt_at LIMIT 1)"
    ),
}


async def claim(lease_s: float) -> dict | None:
    """Take one due job (or one whose worker's lease ran out) of a marketplace with budget now.

    Claiming uses no attempt: attempts count failures (see ``fail``).
    """
    now = time.time()
    token = uuid.uuid4().hex
    rows = await fetch_direct(
        SyncJob,  # fixed clauses; every value is a parameter
        "UPDATE sync_job SET status = 'running', claimed_until = {}, claim_token = {} "  # noqa: S608
        f"WHERE id = ({_RUNNING}SELECT j.id FROM marketplace m "
        "LEFT JOIN rate_bucket b ON b.marketplace = m.code "
        "LEFT JOIN running r ON r.marketplace = m.id "
        f"{_OFFERS[is_postgres()]} "
        "WHERE b.next_slot IS NULL OR b.next_slot <= {} "
        "ORDER BY COALESCE(r.n, 0), j.next_attempt_at LIMIT 1) "
        "RETURNING id, listing, version, attempts, call_failures, failing_since, claim_token",
        now + lease_s,
        token,
        now,
        now,
        now,
        now + BUDGET_SLACK_S,
    )
    return dict(rows[0]) if rows else None


async def complete(job_id: int, token: str, sent_version: int) -> None:
    """Done, unless a newer version arrived while sending: then it is due again at once."""
    await fetch_direct(
        SyncJob,
        "UPDATE sync_job SET status = CASE WHEN version <= {} THEN 'done' ELSE 'queued' END, "
        "attempts = 0, call_failures = {}, failing_since = 0, "
        "next_attempt_at = {}, last_error = '' WHERE id = {} AND claim_token = {}",
        sent_version,
        NO_FAILURES,
        time.time(),
        job_id,
        token,
    )


async def release(job_id: int, token: str, at: float, error: str = "") -> None:
    """Back in the queue, due at ``at``, no attempt used (rate limit, Retry-After)."""
    await fetch_direct(
        SyncJob,
        "UPDATE sync_job SET status = 'queued', next_attempt_at = {}, last_error = {} "
        "WHERE id = {} AND claim_token = {}",
        at,
        error[:1000],
        job_id,
        token,
    )


async def fail(
    job: dict, error: str, call: str, delay_s: float, max_attempts: int, give_up_s: float, dead: bool = False
) -> bool:
    """Count a failure of ``call``; back off, or give up (dead) once one call has failed
    ``max_attempts`` times and the job has been failing for ``give_up_s``. True when dead."""
    now = time.time()
    failures = json.loads(job.get("call_failures") or "{}")
    failures[call] = failures.get(call, 0) + 1
    attempts = max(failures.values())
    since = job.get("failing_since") or now
    dead = dead or (attempts >= max_attempts and now - since >= give_up_s)
    rows = await fetch_direct(
        SyncJob,
        "UPDATE sync_job SET status = {}, attempts = {}, call_failures = {}, failing_since = {}, "
        "next_attempt_at = {}, last_error = {} WHERE id = {} AND claim_token = {} RETURNING id",
        "dead" if dead else "queued",
        attempts,
        json.dumps(failures),
        since,
        now + delay_s,
        error[:1000],
        job["id"],
        job["claim_token"],
    )
    return dead and bool(rows)


async def retry(job_id: int) -> bool:
    """Admin action: a dead (or any) job goes back to the queue with a fresh attempt budget."""
    rows = await fetch_direct(
        SyncJob,
        "UPDATE sync_job SET status = 'queued', attempts = 0, call_failures = {}, failing_since = 0, "
        "next_attempt_at = {} WHERE id = {} AND status <> 'running' RETURNING id",
        NO_FAILURES,
        time.time(),
        job_id,
    )
    return bool(rows)


async def retry_dead_of_account(account_id: int) -> int:
    """The seller fixed the account's credentials: its jobs that gave up on them go back to the queue."""
    rows = await fetch_direct(
        SyncJob,
        "UPDATE sync_job SET status = 'queued', attempts = 0, call_failures = {}, failing_since = 0, "
        "next_attempt_at = {} WHERE status = 'dead' AND listing IN (SELECT id FROM listing WHERE account = {}) RETURNING id",
        NO_FAILURES,
        time.time(),
        account_id,
    )
    return len(rows)
