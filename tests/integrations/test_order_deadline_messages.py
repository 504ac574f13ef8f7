"""The deadline scan (issue 21): an order still to handle whose deadline is under 4 hours away gets
one "sắp quá hạn" message, written with the claim; never twice, not even from two scans at once;
not for an order shipped, waiting for the carrier, being acted on, or that arrived inside the
window (its new-order message named the deadline). The clock is moved, never waited on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from agrimarket import clock
from agrimarket.messages import kinds
from agrimarket.tables import Message
from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.orders import service
from integrations.orders.deadlines import warn_near_deadlines
from integrations.tables import MarketplaceOrder, OrderAction
from tests.integrations.test_orders import live_listing
from tests.waiting import until

HOUR = 3600.0


async def _order(item: str, ref: str, status: str, act_by: float | None, now: float) -> int:
    line = [RemoteOrderItem(item, 1, 40_000)]
    remote = RemoteOrder(ref, status, now - HOUR, now - HOUR, 40_000, line, act_by=act_by)
    assert await service.receive("postmart", remote, "pull")
    row = await MarketplaceOrder.select(MarketplaceOrder.id).where(MarketplaceOrder.order_ref == ref).first()
    return row["id"]


async def _near(order_id: int) -> list[dict]:
    return await Message.select().where(
        (Message.kind == kinds.ORDER_DEADLINE_NEAR) & Message.cause.like(f"order-deadline:{order_id}:%")
    )


async def test_an_order_four_hours_from_its_deadline_is_told_once(
    client, accounts, worker, int_settings, monkeypatch
):
    farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    start = clock.now()
    now = start.timestamp()
    waiting = await _order(item, "DL-WAIT", "placed", now + 10 * HOUR, now)
    later = await _order(item, "DL-LATER", "placed", now + 20 * HOUR, now)
    shipped = await _order(item, "DL-SHIP", "shipped", now + 10 * HOUR, now)
    pickup = await _order(item, "DL-PICKUP", "placed", now + 10 * HOUR, now)
    await MarketplaceOrder.update({MarketplaceOrder.stage: "to_pickup"}).where(MarketplaceOrder.id == pickup)
    late_arrival = await _order(item, "DL-LATE", "placed", now + 2 * HOUR, now)

    assert await warn_near_deadlines() == 0, "nothing is near its deadline yet"
    # Seven hours on: DL-WAIT is 3 h from its deadline; DL-LATE arrived with 2 h left (now overdue).
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=7))
    assert await warn_near_deadlines() == 1
    (message,) = await _near(waiting)
    assert message["household"] == farmer.me["household_id"]
    assert message["text"].startswith("Đơn DL-WAIT trên Postmart sắp quá hạn. Cần giao cho bưu điện trước ")
    assert message["link"] == f"/orders/{waiting}" and message["urgent"] is True
    for other in (later, shipped, pickup, late_arrival):
        assert await _near(other) == []
    # Two workers scanning at once, and later scans: still one message.
    await asyncio.gather(warn_near_deadlines(), warn_near_deadlines())
    assert await warn_near_deadlines() == 0
    assert len(await _near(waiting)) == 1
    warned = await MarketplaceOrder.select(MarketplaceOrder.deadline_warned_at).where(
        MarketplaceOrder.id == waiting
    )
    assert warned[0]["deadline_warned_at"] is not None
    # The inbox shows it.
    inbox = (await client.get("/api/v1/messages", headers=farmer.headers)).json()
    assert any(m["kind"] == kinds.ORDER_DEADLINE_NEAR for m in inbox)


async def test_an_order_being_acted_on_is_not_reminded_until_the_action_fails(
    client, accounts, worker, int_settings, monkeypatch
):
    _farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    start = clock.now()
    now = start.timestamp()
    order = await _order(item, "DL-ACT", "placed", now + 10 * HOUR, now)
    market = await MarketplaceOrder.select(MarketplaceOrder.marketplace).where(MarketplaceOrder.id == order)
    await OrderAction.insert(
        OrderAction(
            order=order,
            marketplace=market[0]["marketplace"],
            kind="confirm",
            idempotency_key="k1",
            status="queued",
            requested_at=start,
        )
    )
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=7))
    assert await warn_near_deadlines() == 0
    await OrderAction.update({OrderAction.status: "failed"}).where(OrderAction.order == order)
    assert await warn_near_deadlines() == 1
    assert len(await _near(order)) == 1


async def test_the_worker_runs_the_scan(client, accounts, worker, int_settings, monkeypatch):
    _farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    start = clock.now()
    order = await _order(item, "DL-LOOP", "placed", start.timestamp() + 10 * HOUR, start.timestamp())
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=6, minutes=30))
    worker._stop = asyncio.Event()  # live_listing's drain stopped the worker
    task = asyncio.create_task(worker.deadline_loop())
    try:

        async def told() -> bool:
            return bool(await _near(order))

        await until(told, 10, every=0.02, what="the deadline scan to tell the seller")
    finally:
        worker.stop()
        await task
