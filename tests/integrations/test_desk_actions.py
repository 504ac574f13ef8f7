"""The order desk's actions (issue 20, point 2) over the API, sent by the sync worker to the Voso
simulator over real HTTP: each lands once, refusals carry the marketplace's reason, a state that
no longer allows an action is a 409 naming it, idempotency keys, stock put back after a cancellation,
a missed deadline flagged and the marketplace's auto-cancel showing up.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from agrimarket import clock
from agrimarket.tables import AuditEntry
from integrations.adapters.voso_orders import CONFIRM_WITHIN_S
from integrations.orders import execute, outbox
from integrations.orders.pull import pull_orders
from integrations.orders.seller import order_account
from integrations.settings import IntegrationsSettings
from integrations.tables import OrderAction
from tests.integrations.desk_helpers import act, answers_for, detail, order_id, ordered, public, settle
from tests.integrations.partner_desk import stages_pushed
from tests.integrations.test_orders import deliver, stock

CODE = "voso"


async def test_confirm_lands_once_with_its_key_and_shows_in_the_timeline(
    client, accounts, worker, sims, int_settings
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["stage_vi"]) == ("to_confirm", "Chờ xác nhận")
    assert shown["allowed"] == ["confirm", "cancel"]
    assert shown["deadline_vi"].startswith("Cần xác nhận trước ")
    confirm_by = shown["act_by"]
    assert shown["cancel_reasons"][0]["code"] == "OUT_OF_STOCK"
    assert shown["money"] == {"amount_vnd": 100_000, "fees_vnd": None, "payout_vnd": None, "paid_out": False}

    asked = await act(client, farmer, order, "confirm", key="tap-1")
    assert asked.status_code == 202, asked.text
    action = asked.json()
    assert (action["kind"], action["status"], action["status_vi"]) == ("confirm", "queued", "Đang gửi…")
    again = await act(client, farmer, order, "confirm", key="tap-1")  # the phone retried the tap
    assert again.status_code == 202 and again.json()["id"] == action["id"]
    other_body = await act(client, farmer, order, "cancel", {"reason": "OUT_OF_STOCK"}, key="tap-1")
    assert other_body.status_code == 422, other_body.text
    assert "Idempotency-Key" in other_body.json()["error"]["message"]
    second = await act(client, farmer, order, "cancel", {"reason": "OUT_OF_STOCK"}, key="tap-2")
    assert second.status_code == 409 and "đang gửi" in second.json()["error"]["message"]
    pending = await detail(client, farmer, order)
    assert pending["pending"]["id"] == action["id"] and pending["allowed"] == []
    card = (await client.get("/api/v1/orders/inbox", headers=farmer.headers)).json()["orders"][0]
    assert (card["id"], card["stage"], card["sending"]) == (order, "to_confirm", True)

    await settle(worker)
    done = (await client.get(f"/api/v1/orders/{order}/actions/{action['id']}", headers=farmer.headers)).json()
    assert (done["status"], done["status_vi"], done["done_at"] is not None) == ("done", "Đã xong", True)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["status"], shown["pending"]) == ("to_ship", "placed", None)
    # The next step's deadline (48 h to hand over, from confirming), in the desk's words for it.
    assert shown["deadline_vi"] and shown["act_by"] != confirm_by
    assert [(t["kind"], t["text_vi"]) for t in shown["timeline"]] == [
        ("status", "Đơn mới: Chờ xác nhận"),
        ("action", "Xác nhận đơn: đã xong"),
        ("status", "Chờ gửi hàng"),
    ]
    assert shown["timeline"][2]["source"] == "action"
    assert stages_pushed(sims[CODE], ref) == ["to_confirm", "to_ship"]
    assert answers_for(sims, CODE, "agm-action-") == [f"shop-1:agm-action-{action['id']}"]
    # The marketplace's own push of the same step changes nothing more.
    assert await deliver(client, sims, int_settings, CODE) is False
    assert len((await detail(client, farmer, order))["timeline"]) == 3

    refused = await act(client, farmer, order, "confirm")
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "Đơn đang ở trạng thái “Chờ gửi hàng”, không thể xác nhận."
    audited = await AuditEntry.select(AuditEntry.action, AuditEntry.user_id).where(
        AuditEntry.entity == "order"
    )
    assert {"action": "confirm", "user_id": farmer.me["id"]} in audited


@pytest.mark.parametrize(
    ("code", "carrier", "prefix", "reason"),
    [("voso", "Viettel Post", "VTP", "OUT_OF_STOCK"), ("postmart", "Vietnam Post", "EB", "out_of_stock")],
)
async def test_ship_by_pickup_then_cancel_refused_in_transit(
    client, accounts, worker, sims, int_settings, code, carrier, prefix, reason
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, code)
    assert (await act(client, farmer, order, "confirm")).status_code == 202
    early = await client.get(f"/api/v1/orders/{order}/shipping-options", headers=farmer.headers)
    assert early.status_code == 409  # still "đang gửi…": the stage is to_confirm until the answer
    await settle(worker)
    options = await client.get(f"/api/v1/orders/{order}/shipping-options", headers=farmer.headers)
    assert options.status_code == 200, options.text
    pickup = options.json()["pickup"][0]
    choice = {
        "method": "pickup",
        "address_id": pickup["address_id"],
        "slot_id": pickup["slots"][0]["slot_id"],
    }
    assert (await act(client, farmer, order, "ship", {"method": "pickup"})).status_code == 422  # no slot
    shipped = await act(client, farmer, order, "ship", choice)
    assert shipped.status_code == 202, shipped.text
    await settle(worker)
    shown = await detail(client, farmer, order)
    waybill = sims[code].state.orders[ref].tracking_number
    assert waybill.startswith(prefix)
    assert (shown["stage"], shown["stage_vi"], shown["tracking_number"], shown["carrier"]) == (
        "to_pickup",
        "Chờ lấy hàng",
        waybill,
        carrier,
    )
    waiting = (await client.get("/api/v1/orders/inbox?tab=to_pickup", headers=farmer.headers)).json()
    assert [(o["id"], o["stage"]) for o in waiting["orders"]] == [(order, "to_pickup")]
    assert {t["key"]: t["count"] for t in waiting["tabs"]}["to_handle"] == 0
    action = (
        await client.get(f"/api/v1/orders/{order}/actions/{shipped.json()['id']}", headers=farmer.headers)
    ).json()
    assert action["result"]["tracking_number"] == waybill
    assert public(sims, code, f"/orders/{ref}/carrier", step="picked_up").status_code == 200
    assert await deliver(client, sims, int_settings, code) is True
    refused = await act(client, farmer, order, "cancel", {"reason": reason})
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "Đơn đang ở trạng thái “Đang giao”, không thể hủy."
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"], shown["allowed"]) == ("shipped", "in_transit", [])


async def test_cancel_then_restock_once(client, accounts, worker, sims, int_settings):
    farmer, product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE, 3)
    assert await stock(product["id"]) == 7
    bad = await act(client, farmer, order, "cancel", {"reason": "NOT_A_REASON"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"]["reason"]
    early = await client.post(f"/api/v1/orders/{order}/restock", headers=farmer.headers)
    assert early.status_code == 409
    assert early.json()["error"]["message"] == "Đơn đang ở trạng thái “Chờ xác nhận”, không thể trả lại kho."
    assert (await act(client, farmer, order, "cancel", {"reason": "OUT_OF_STOCK"})).status_code == 202
    await settle(worker)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["status"], shown["allowed"]) == ("cancelled", "cancelled", ["restock"])
    assert sims[CODE].state.orders[ref].cancel_reason == "OUT_OF_STOCK"
    assert await stock(product["id"]) == 7  # the farmer decides: nothing comes back by itself
    back = await client.post(f"/api/v1/orders/{order}/restock", headers=farmer.headers)
    assert back.status_code == 200, back.text
    assert back.json()["products"] == {str(product["id"]): 10}
    assert await stock(product["id"]) == 10
    twice = await client.post(f"/api/v1/orders/{order}/restock", headers=farmer.headers)
    assert twice.status_code == 409 and await stock(product["id"]) == 10
    assert (await detail(client, farmer, order))["allowed"] == []


async def test_buyer_cancellation_rejected_then_accepted(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    assert (await act(client, farmer, order, "confirm")).status_code == 202
    await settle(worker)
    assert (await act(client, farmer, order, "cancellation", {"accept": False})).status_code == 409
    assert public(sims, CODE, f"/orders/{ref}/cancel-request").status_code == 200
    assert await deliver(client, sims, int_settings, CODE) is True
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["stage_vi"], shown["allowed"]) == (
        "cancel_requested",
        "Người mua yêu cầu hủy",
        ["answer_cancellation"],
    )
    assert (await act(client, farmer, order, "cancellation", {"accept": False})).status_code == 202
    await settle(worker)
    assert (await detail(client, farmer, order))["stage"] == "to_ship"
    assert public(sims, CODE, f"/orders/{ref}/cancel-request").status_code == 200
    assert await deliver(client, sims, int_settings, CODE) is True
    assert (await act(client, farmer, order, "cancellation", {"accept": True})).status_code == 202
    await settle(worker)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["status"]) == ("cancelled", "cancelled")
    assert stages_pushed(sims[CODE], ref) == [
        "to_confirm", "to_ship", "cancel_requested", "to_ship", "cancel_requested", "cancelled",
    ]  # fmt: skip


async def test_missed_deadline_flagged_then_refused_and_auto_cancelled(
    client, accounts, worker, sims, int_settings, monkeypatch
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    later = clock.now() + timedelta(seconds=CONFIRM_WITHIN_S + 60)
    monkeypatch.setattr(clock, "now", lambda: later)
    inbox = (await client.get("/api/v1/orders/inbox", headers=farmer.headers)).json()["orders"]
    assert [(o["id"], o["urgency"]) for o in inbox] == [(order, "overdue")]
    assert (await detail(client, farmer, order))["urgency"] == "overdue"
    # The marketplace's clock passes the deadline too; its auto-cancel's push is lost on the way.
    sims[CODE].state.config.clock.advance(CONFIRM_WITHIN_S + 60)
    asked = await act(client, farmer, order, "confirm")
    assert asked.status_code == 202  # we did not know yet
    await settle(worker)
    action = (
        await client.get(f"/api/v1/orders/{order}/actions/{asked.json()['id']}", headers=farmer.headers)
    ).json()
    assert (action["status"], action["status_vi"]) == ("failed", "Sàn từ chối")
    assert "«Đã hủy»" in action["reason_vi"] and action["reason_en"]
    shown = await detail(client, farmer, order)  # read again after the refusal: consistent
    assert (shown["stage"], shown["status"], shown["urgency"]) == ("cancelled", "cancelled", "")
    assert shown["last_refusal"]["id"] == action["id"]
    assert [t["text_vi"] for t in shown["timeline"]] == [
        "Đơn mới: Chờ xác nhận",
        f"Xác nhận đơn: sàn từ chối ({action['reason_vi']})",
        "Đã hủy",
    ]
    assert sims[CODE].state.orders[ref].cancelled_by == "system"
    # The pull (and the late push) agree and change nothing more.
    assert await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings)) == 0


async def test_who_may_act(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, _ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    stranger = await accounts.household(name="Đỗ Văn Lạ")
    assert (await act(client, stranger, order, "confirm")).status_code == 404
    assert (await client.get(f"/api/v1/orders/{order}", headers=stranger.headers)).status_code == 404
    manager, coop_id = await accounts.coop_manager(seed=78)
    assert (await act(client, manager, order, "confirm")).status_code == 404  # no consent yet
    await accounts.join(manager, coop_id, farmer)
    manager = await accounts.login(manager.phone)
    assert (await act(client, manager, order, "confirm")).status_code == 202
    assert await OrderAction.count() == 1
    bad_key = await act(client, manager, order, "confirm", key="has space")
    assert bad_key.status_code == 422


@pytest.mark.parametrize(("code", "reason"), [("voso", "OUT_OF_STOCK"), ("postmart", "out_of_stock")])
async def test_thirty_percent_faults_every_action_lands_exactly_once(
    client, accounts, worker, sims, int_settings, code, reason
):
    farmer, _product, item, ref, first = await ordered(client, accounts, worker, sims, int_settings, code, 1)
    refs = [ref]
    orders = [first]
    for _ in range(4):
        ref = public(sims, code, f"/orders/{item}", quantity=1).json()["order_id"]
        assert await deliver(client, sims, int_settings, code) is True
        refs.append(ref)
        orders.append(await order_id(ref))
    faults = sims[code].state.config.faults
    faults.error_rate = faults.throttle_rate = faults.drop_rate = 0.1
    faults.retry_after_s = 0.05
    actions = [(await act(client, farmer, order, "confirm")).json()["id"] for order in orders]
    await settle(worker, timeout=120)
    for order, ref, action in zip(orders, refs, actions, strict=True):
        state = (await client.get(f"/api/v1/orders/{order}/actions/{action}", headers=farmer.headers)).json()
        assert state["status"] == "done", state
        assert stages_pushed(sims[code], ref) == ["to_confirm", "to_ship"], ref
        assert (await detail(client, farmer, order))["stage"] == "to_ship"
    cancels = [(await act(client, farmer, o, "cancel", {"reason": reason})).json()["id"] for o in orders]
    await settle(worker, timeout=120)
    for order, ref in zip(orders, refs, strict=True):
        assert stages_pushed(sims[code], ref) == ["to_confirm", "to_ship", "cancelled"], ref
        assert (await detail(client, farmer, order))["stage"] == "cancelled"
    assert sum(sims[code].state.injected.values()) > 0
    used = answers_for(sims, code, "agm-action-")
    assert sorted(used) == sorted(f"shop-1:agm-action-{a}" for a in actions + cancels)
    assert await OrderAction.count().where(OrderAction.status == "done") == 10


async def test_a_worker_killed_mid_action_lands_it_once(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    asked = (await act(client, farmer, order, "confirm")).json()
    dying = await outbox.claim(lease_s=30)
    assert dying is not None and dying["id"] == asked["id"]
    # It sends the call and the marketplace applies it; the worker dies before recording the answer.
    account = await order_account(order, int_settings.section(IntegrationsSettings).credentials_key)
    assert account is not None
    await worker.adapters.get(CODE).confirm_order(account, ref, execute.key_of(dying))
    assert sims[CODE].state.orders[ref].stage == "to_ship"
    assert await outbox.claim(lease_s=5) is None  # its lease still holds: nobody else takes it
    # Its 30 s pass (the lease's end moved back instead of waiting for it).
    await OrderAction.update({OrderAction.claimed_until: time.time() - 1}).where(
        OrderAction.id == dying["id"]
    )
    await settle(worker)  # the lease ran out: another worker claims it and sends the same key
    state = (await client.get(f"/api/v1/orders/{order}/actions/{asked['id']}", headers=farmer.headers)).json()
    assert state["status"] == "done"
    assert (await detail(client, farmer, order))["stage"] == "to_ship"
    assert stages_pushed(sims[CODE], ref) == ["to_confirm", "to_ship"]
    assert answers_for(sims, CODE, "agm-action-") == [f"shop-1:agm-action-{asked['id']}"]
    # The dead worker's late word changes nothing: its claim is no longer the action's.
    assert await outbox.finish(dying, "failed", reason=("muộn", "late")) is False
    assert (await OrderAction.select(OrderAction.status).first())["status"] == "done"
