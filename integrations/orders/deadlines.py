"""The deadline scan (issue 21): an order still waiting on the seller whose marketplace deadline is
under 4 hours away, and which has not been told so, gets ``OrderDeadlineNear`` published; the
messages subscriber writes the message in the same transaction.

Exactly once per order, however many workers scan: each order is claimed by one
``UPDATE ... SET deadline_warned_at WHERE deadline_warned_at IS NULL RETURNING id`` inside the
transaction that publishes the event. On PostgreSQL a second worker's UPDATE waits for the first's
row lock and then finds the column set (nothing returned); SQLite's write transactions run one at a
time. A failing subscriber rolls the claim back with the message, so the next scan tries again.

"Now" is ``agrimarket.clock.now()``: tests move the clock instead of waiting.
"""

from __future__ import annotations

from datetime import datetime

from agrimarket import clock
from agrimarket.db import write_transaction
from agrimarket.events import OrderDeadlineNear, publish
from integrations.orders.inbox import AT_RISK, NEEDS_ACTION, WAITING_FOR_CARRIER, deadline_words
from integrations.tables import MarketplaceOrder, OrderAction

BATCH = 200  # orders looked at per scan; the next scan takes the rest


def _arrived_inside_the_window(row: dict) -> bool:
    """An order that arrived with under 4 hours left: its new-order message already named the
    deadline, so a second message minutes later would only be noise."""
    return clock.to_local(row["created_at"]) > clock.to_local(row["act_by"]) - AT_RISK


async def _candidates(now: datetime) -> list[dict]:
    return (
        await MarketplaceOrder.select(
            MarketplaceOrder.id,
            MarketplaceOrder.order_ref,
            MarketplaceOrder.household,
            MarketplaceOrder.cooperative,
            MarketplaceOrder.act_by,
            MarketplaceOrder.created_at,
            MarketplaceOrder.stage,
            MarketplaceOrder.marketplace.code.as_alias("code"),
        )
        .where(
            MarketplaceOrder.deadline_warned_at.is_null()
            & MarketplaceOrder.status.is_in(list(NEEDS_ACTION))
            & (MarketplaceOrder.stage != WAITING_FOR_CARRIER)
            & (MarketplaceOrder.act_by > now)
            & (MarketplaceOrder.act_by < now + AT_RISK)
        )
        .order_by(MarketplaceOrder.act_by)
        .limit(BATCH)
    )


async def _warn(row: dict, now: datetime) -> bool:
    async with write_transaction():
        # The seller has acted (the action is on its way to the marketplace): nothing to remind.
        # Not claimed either, so a refused action still gets the reminder on a later scan.
        sending = await OrderAction.exists().where(
            (OrderAction.order == row["id"]) & OrderAction.status.is_in(["queued", "running"])
        )
        if sending:
            return False
        claimed = (
            await MarketplaceOrder.update({MarketplaceOrder.deadline_warned_at: now})
            .where((MarketplaceOrder.id == row["id"]) & MarketplaceOrder.deadline_warned_at.is_null())
            .returning(MarketplaceOrder.id)
        )
        if not claimed:
            return False  # another worker told the seller a moment ago
        await publish(
            OrderDeadlineNear(
                order_id=row["id"],
                marketplace=row["code"],
                order_ref=row["order_ref"],
                household_id=row["household"],
                cooperative_id=row["cooperative"],
                act_by=row["act_by"],
                deadline_vi=deadline_words(row["code"], row["act_by"], row["stage"]),
            )
        )
        return True


async def warn_near_deadlines() -> int:
    """One scan: how many orders' sellers were told their deadline is near."""
    now = clock.now()
    told = 0
    for row in await _candidates(now):
        if not _arrived_inside_the_window(row) and await _warn(row, now):
            told += 1
    return told
