"""The order desk's outbox: each farmer's action written in the request's transaction, claimed by a
sync worker with a lease, then done, failed (the marketplace refused), retried or given up (dead).

The same shape as ``integrations.sync.outbox`` (epoch seconds so one raw SQL runs on both engines,
FOR UPDATE SKIP LOCKED on PostgreSQL, a claim uses no attempt), but one row per action, never
coalesced: two actions on an order are two steps. A lease that runs out (the worker died mid-call)
lets another worker claim the action and send it again under the same idempotency key.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from agrimarket.db import fetch_direct
from integrations.db import is_postgres
from integrations.sync.outbox import BUDGET_SLACK_S
from integrations.tables import OrderAction

KINDS = ("confirm", "cancel", "answer_cancellation", "arrange_shipment")
PENDING = ("queued", "running")


async def enqueue(
    order_id: int, marketplace_id: int, kind: str, parameters: dict, key: str, actor_id: int | None
) -> dict | None:
    """Write the action (call inside the request's transaction); None when the order already has
    one under ``key`` (the caller reads that one)."""
    now = datetime.now(UTC)
    inserted = (
        await OrderAction.insert(
            OrderAction(
                order=order_id,
                marketplace=marketplace_id,
                kind=kind,
                parameters=json.dumps(parameters, sort_keys=True),
                idempotency_key=key,
                actor=actor_id,
                status="queued",
                next_attempt_at=time.time(),
                requested_at=now,
            )
        )
        .on_conflict(target=(OrderAction.order, OrderAction.idempotency_key), action="DO NOTHING")
        .returning(*OrderAction.all_columns())
    )
    return inserted[0] if inserted else None


async def claim(lease_s: float) -> dict | None:
    """Take one due action (or one whose worker's lease ran out) of a marketplace with budget now."""
    now = time.time()
    token = uuid.uuid4().hex
    lock = "FOR UPDATE OF a SKIP LOCKED" if is_postgres() else ""
    rows = await fetch_direct(  # fixed clauses; every value is a parameter
        OrderAction,
        "UPDATE order_action SET status = 'running', claimed_until = {}, claim_token = {} "  # noqa: S608
        "WHERE id = (SELECT a.id FROM order_action a JOIN marketplace m ON m.id = a.marketplace "
        "LEFT JOIN rate_bucket b ON b.marketplace = m.code "
        "WHERE ((a.status = 'queued' AND a.next_attempt_at <= {}) "
        "OR (a.status = 'running' AND a.claimed_until < {})) "
        "AND (b.next_slot IS NULL OR b.next_slot <= {}) "
        f"ORDER BY a.next_attempt_at, a.id LIMIT 1 {lock}) "
        'RETURNING id, "order", marketplace, kind, parameters, attempts, failing_since, claim_token',
        now + lease_s,
        token,
        now,
        now,
        now + BUDGET_SLACK_S,
    )
    return dict(rows[0]) if rows else None


def _held(action: dict):
    """The action, while this worker's claim on it holds."""
    return (OrderAction.id == action["id"]) & (OrderAction.claim_token == action["claim_token"])


async def finish(
    action: dict, status: str, result: dict | None = None, reason: tuple[str, str] = ("", "")
) -> bool:
    """Done (``result``: what the marketplace answered) or failed (``reason``: its refusal, vi and
    en); False when the lease was lost to another worker (that one finishes it)."""
    rows = (
        await OrderAction.update(
            {
                OrderAction.status: status,
                OrderAction.result: json.dumps(result or {}, sort_keys=True),
                OrderAction.reason_vi: reason[0][:400],
                OrderAction.reason_en: reason[1][:400],
                OrderAction.done_at: datetime.now(UTC),
                OrderAction.last_error: "",
            }
        )
        .where(_held(action))
        .returning(OrderAction.id)
    )
    return bool(rows)


async def release(action: dict, at: float, error: str = "") -> None:
    """Back in the queue, due at ``at``, no attempt used (rate limit, Retry-After)."""
    await OrderAction.update(
        {OrderAction.status: "queued", OrderAction.next_attempt_at: at, OrderAction.last_error: error[:1000]}
    ).where(_held(action))


async def fail(action: dict, error: str, delay_s: float, max_attempts: int, give_up_s: float) -> bool:
    """Count a failure and back off, or give up (dead) once it has failed ``max_attempts`` times
    and for ``give_up_s`` seconds. True when it is dead now."""
    now = time.time()
    attempts = action["attempts"] + 1
    since = action["failing_since"] or now
    dead = attempts >= max_attempts and now - since >= give_up_s
    rows = (
        await OrderAction.update(
            {
                OrderAction.status: "dead" if dead else "queued",
                OrderAction.attempts: attempts,
                OrderAction.failing_since: since,
                OrderAction.next_attempt_at: now + delay_s,
                OrderAction.last_error: error[:1000],
                OrderAction.done_at: datetime.now(UTC) if dead else None,
            }
        )
        .where(_held(action))
        .returning(OrderAction.id)
    )
    return dead and bool(rows)
