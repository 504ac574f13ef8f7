"""The message outbox's SQL: claim a due delivery with a lease, then record its fate.

Times are epoch seconds read from ``agrimarket.clock`` (so tests move the clock through quiet
hours). Every write after a claim names the claim's token: a worker whose lease ran out (killed,
stalled) changes nothing once another has claimed the row.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from piccolo.engine.postgres import PostgresEngine

from agrimarket import clock
from agrimarket.tables import MessageDelivery

CLAIMED = "RETURNING id, message, phone, channels, attempts, claim_token, log"  # what the worker needs


def _is_postgres() -> bool:
    return isinstance(MessageDelivery._meta.db, PostgresEngine)


async def claim(lease_s: float) -> dict | None:
    """One queued delivery now due, or a running one whose worker's lease ran out."""
    now = clock.now().timestamp()
    lock = "FOR UPDATE SKIP LOCKED" if _is_postgres() else ""
    rows = await MessageDelivery.raw(  # fixed clauses; every value is a parameter
        "UPDATE message_delivery SET status = 'running', claimed_until = {}, claim_token = {} "  # noqa: S608
        "WHERE id = (SELECT d.id FROM message_delivery d "
        "WHERE (d.status = 'queued' AND d.next_attempt_at <= {}) "
        "OR (d.status = 'running' AND d.claimed_until < {}) "
        f"ORDER BY d.next_attempt_at LIMIT 1 {lock}) {CLAIMED}",
        now + lease_s,
        uuid.uuid4().hex,
        now,
        now,
    )
    if not rows:
        return None
    row = rows[0]
    row["log"] = json.loads(row["log"]) if isinstance(row["log"], str) else list(row["log"] or [])
    return row


async def settle(
    row: dict,
    status: str,
    log: list[dict],
    *,
    channels: str | None = None,
    attempts: int | None = None,
    next_attempt_at: float | None = None,
    sent_channel: str = "",
    provider_id: str = "",
    sent_at: datetime | None = None,
    error: str = "",
) -> bool:
    """Record what happened to a claimed delivery; False when the claim was lost meanwhile."""
    rows = await MessageDelivery.raw(
        "UPDATE message_delivery SET status = {}, log = {}, channels = {}, attempts = {}, "
        "next_attempt_at = {}, sent_channel = {}, provider_id = {}, sent_at = {}, last_error = {}, "
        "claimed_until = 0, updated_at = {} WHERE id = {} AND claim_token = {} RETURNING id",
        status,
        json.dumps(log[-30:], ensure_ascii=False),
        row["channels"] if channels is None else channels,
        row["attempts"] if attempts is None else attempts,
        next_attempt_at if next_attempt_at is not None else clock.now().timestamp(),
        sent_channel,
        provider_id[:100],
        sent_at,
        error[:1000],
        clock.now(),
        row["id"],
        row["claim_token"],
    )
    return bool(rows)


async def sent_today(phone: str, since: datetime) -> int:
    """Messages this phone was sent since ``since`` (the daily cap)."""
    return await MessageDelivery.count().where(
        (MessageDelivery.phone == phone)
        & (MessageDelivery.status == "sent")
        & (MessageDelivery.sent_at >= since)
    )


async def mark_delivered(message_id: int | None, provider_id: str, at: datetime) -> bool:
    """A provider's receipt: the message reached the phone at ``at``. Found by our message id (the
    ``tracking_id`` Zalo echoes; a receipt may beat the worker's record of the send) or else by the
    provider's own id. True the first time; a repeated receipt changes nothing."""
    if message_id is not None:
        which = MessageDelivery.message == message_id
    elif provider_id:
        which = MessageDelivery.provider_id == provider_id[:100]
    else:
        return False
    rows = await (
        MessageDelivery.update({MessageDelivery.delivered_at: at})
        .where(which & MessageDelivery.delivered_at.is_null())
        .returning(MessageDelivery.id)
    )
    return bool(rows)
