"""The order action outbox's edges, against the Voso simulator over HTTP: a 429 waits without using
an attempt, an action the marketplace never answers gives up ("Không gửi được"), the marketplace's
auto-cancel reaches an order nobody acted on; and how reports move the desk stage (the latest word,
a late one ignored, the status forward only).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from agrimarket import clock
from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.adapters.voso_orders import CONFIRM_WITHIN_S
from integrations.orders import service
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.simulators.state import Faults
from integrations.tables import MarketplaceOrder, OrderAction, OrderStatusChange, RateBucket
from tests.integrations.desk_helpers import act, answers_for, detail, ordered, settle
from tests.integrations.partner_desk import stages_pushed
from tests.integrations.test_orders import live_listing
from tests.waiting import until

CODE = "voso"
ROOT = Path(__file__).resolve().parents[2]


async def test_throttled_waits_without_an_attempt_then_a_silent_marketplace_gives_up(
    client, accounts, worker, sims, int_settings
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    asked = (await act(client, farmer, order, "confirm")).json()
    sims[CODE].state.config.faults = Faults(throttle_rate=1.0, retry_after_s=30)
    assert await worker.run_one()
    row = await OrderAction.select().first()
    assert (row["status"], row["attempts"]) == ("queued", 0)  # a 429 uses no attempt
    assert row["next_attempt_at"] > time.time() + 20 and "chờ 30 s" in row["last_error"]
    bucket = await RateBucket.select().where(RateBucket.marketplace == CODE).first()
    assert bucket["next_slot"] > time.time() + 20  # every worker leaves Voso alone meanwhile
    assert await worker.run_one() is False
    # Voso answers 503 from now on; the wait is over (moved, not waited for).
    sims[CODE].state.config.faults = Faults(error_rate=1.0)
    await RateBucket.update({RateBucket.next_slot: 0.0}).where(RateBucket.marketplace == CODE)
    await OrderAction.update({OrderAction.next_attempt_at: 0.0}).where(OrderAction.id == asked["id"])
    worker.settings = dataclasses.replace(worker.settings, max_attempts=3)
    await settle(worker)
    gave_up = (
        await client.get(f"/api/v1/orders/{order}/actions/{asked['id']}", headers=farmer.headers)
    ).json()
    assert (gave_up["status"], gave_up["status_vi"]) == ("dead", "Không gửi được")
    assert (await OrderAction.select(OrderAction.attempts).first())["attempts"] == 3
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["pending"], shown["allowed"]) == ("to_confirm", None, ["confirm", "cancel"])
    assert sims[CODE].state.orders[ref].stage == "to_confirm"  # nothing reached it


async def test_the_marketplace_auto_cancel_reaches_an_order_nobody_acted_on(
    client, accounts, worker, sims, int_settings, monkeypatch
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    later = clock.now() + timedelta(seconds=CONFIRM_WITHIN_S + 60)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert (await detail(client, farmer, order))["urgency"] == "overdue"
    sims[CODE].state.config.clock.advance(CONFIRM_WITHIN_S + 60)
    assert await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings)) == 1
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"], shown["urgency"], shown["deadline_vi"]) == (
        "cancelled",
        "cancelled",
        "",
        "",
    )
    assert [(t["text_vi"], t["source"]) for t in shown["timeline"]] == [
        ("Đơn mới: Chờ xác nhận", "webhook"),
        ("Đã hủy", "pull"),
    ]
    assert sims[CODE].state.orders[ref].cancelled_by == "system"
    closed = (await client.get("/api/v1/orders/inbox?tab=closed", headers=farmer.headers)).json()
    assert [o["id"] for o in closed["orders"]] == [order]


async def test_the_stage_follows_the_latest_word_and_the_status_only_moves_forward(
    client, accounts, worker, int_settings
):
    _farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    now = time.time()
    line = [RemoteOrderItem(item, 1, 40_000)]

    def report(stage: str, status: str, at: float, tracking: str = "") -> RemoteOrder:
        return RemoteOrder("S-1", status, now, at, 40_000, line, stage=stage, tracking_number=tracking)

    assert await service.receive("postmart", report("to_confirm", "placed", now), "webhook")
    assert await service.receive("postmart", report("to_ship", "placed", now + 10), "pull")
    assert (
        await service.receive("postmart", report("to_confirm", "placed", now + 5), "webhook") is False
    )  # late
    assert await service.receive(
        "postmart", report("to_confirm", "placed", now + 9.5), "webhook"
    )  # same second
    assert await service.receive("postmart", report("to_ship", "placed", now + 20), "pull")
    assert await service.receive("postmart", report("to_pickup", "placed", now + 30, "EB1VN"), "pull")
    assert await service.receive("postmart", report("in_transit", "shipped", now + 40), "webhook")
    assert await service.receive("postmart", report("to_pickup", "placed", now + 50), "pull") is False  # back
    assert await service.receive("postmart", report("delivered", "delivered", now + 60), "pull")
    row = await MarketplaceOrder.select().first()
    assert (row["status"], row["stage"], row["tracking_number"]) == ("delivered", "delivered", "EB1VN")
    history = await OrderStatusChange.select().order_by(OrderStatusChange.id)
    assert [(h["from_status"], h["to_status"], h["to_stage"]) for h in history] == [
        (None, "placed", "to_confirm"),
        ("placed", "placed", "to_ship"),
        ("placed", "placed", "to_confirm"),
        ("placed", "placed", "to_ship"),
        ("placed", "placed", "to_pickup"),
        ("placed", "shipped", "in_transit"),
        ("shipped", "delivered", "delivered"),
    ]


async def test_a_double_tap_writes_one_action(client, accounts, worker, sims, int_settings, live_app):
    farmer, _product, _item, _ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    url = f"/api/v1/orders/{order}/confirm"
    async with httpx.AsyncClient(base_url=live_app, headers=farmer.headers, timeout=30) as phone:
        same = [phone.post(url, json={}, headers={"Idempotency-Key": "tap-1"}) for _ in range(3)]
        answers = await asyncio.gather(*same)
        assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1
        # Two taps with keys of their own, side by side: one is sent, the other waits its turn (409).
        await settle(worker)
        cancel = {"reason": "OUT_OF_STOCK"}
        taps = [
            phone.post(f"/api/v1/orders/{order}/cancel", json=cancel, headers={"Idempotency-Key": k})
            for k in "ab"
        ]
        both = await asyncio.gather(*taps)
        assert sorted(a.status_code for a in both) == [202, 409], [a.text for a in both]
    assert await OrderAction.count() == 2


def start_worker(sim_url: str, lease_s: float) -> subprocess.Popen:
    """One sync worker process, as ``piccolo integrations worker`` starts them."""
    env = os.environ | {
        "INTEGRATIONS_VOSO_URL": sim_url,
        "INTEGRATIONS_POLL_SECONDS": "0.05",
        "INTEGRATIONS_LEASE_SECONDS": str(lease_s),
        "INTEGRATIONS_HTTP_TIMEOUT": "30",
        "INTEGRATIONS_EXIT_WITH_PARENT": "1",
    }
    return subprocess.Popen([sys.executable, "-m", "integrations.sync.run"], env=env, cwd=ROOT)


async def test_a_worker_process_sigkilled_mid_call_lands_the_action_once(
    client, accounts, worker, sims, int_settings
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    sim = sims[CODE].state
    sim.config.faults = Faults(timeout_rate=1.0, hang_s=3.0)  # Voso takes 3 s, then applies the step
    asked = (await act(client, farmer, order, "confirm")).json()
    process = start_worker(sims[CODE].url, lease_s=1.0)
    try:
        # The confirm itself (another slot's listing write may hang first).
        confirm_reached = lambda: any("agm-action-" in (key or "") for key in sim.hung)  # noqa: E731
        await until(confirm_reached, 30, what="the worker's confirm to reach Voso")
        process.send_signal(signal.SIGKILL)  # mid-call: Voso still applies it, nobody records the answer
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    sim.config.faults = Faults()
    await until(lambda: sim.orders[ref].stage == "to_ship", 10, what="Voso to apply the step")
    assert (await OrderAction.select(OrderAction.status).first())["status"] == "running"  # claimed, dead
    await settle(worker)  # its 1 s lease runs out: this worker claims it and sends the same key again
    state = (await client.get(f"/api/v1/orders/{order}/actions/{asked['id']}", headers=farmer.headers)).json()
    assert state["status"] == "done"
    assert (await detail(client, farmer, order))["stage"] == "to_ship"
    assert stages_pushed(sims[CODE], ref) == ["to_confirm", "to_ship"]
    assert answers_for(sims, CODE, "agm-action-") == [f"shop-1:agm-action-{asked['id']}"]
