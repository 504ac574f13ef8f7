"""Postmart's order desk: the adapter against its simulator over real HTTP (our proposed contract).

Deadline: hand the parcel to Vietnam Post within 48 h of the order's creation; accepting it does not
move the deadline.
"""

from __future__ import annotations

import re

import httpx
import pytest

from integrations.adapters.base import Rejected
from integrations.adapters.desk import LABEL_SIZES, OrderMoney, ShipmentChoice
from integrations.adapters.postmart import PostmartAdapter
from integrations.adapters.postmart_orders import HANDOVER_WITHIN_S
from integrations.simulators.state import Faults
from tests.integrations.partner_desk import (
    FAULTS,
    account,
    buy,
    live_item,
    public,
    pushed,
    retried,
    stages_pushed,
)

CODE = "postmart"


@pytest.fixture
async def postmart(sims):
    sim = sims[CODE]
    # Postmart refuses a request stamped 300 s off its clock: ours moves with it.
    adapter = PostmartAdapter(sim.url, timeout_s=2, clock=sim.state.config.clock)
    yield adapter, sim
    await adapter.aclose()


async def test_accept_then_cancel_refused_and_fetched(postmart):
    adapter, sim = postmart
    shop = account(CODE)
    order_id = buy(sim, await live_item(adapter, CODE), quantity=3)
    deadline = int(sim.state.orders[order_id].created) + HANDOVER_WITHIN_S

    fetched = await adapter.fetch_order(shop, order_id)
    assert (fetched.stage, fetched.status, fetched.tracking_number) == ("to_confirm", "placed", "")
    assert (fetched.act_by, fetched.amount_vnd, fetched.payment) == (deadline, 120_000, "cod")

    accepted = await adapter.confirm_order(shop, order_id, "accept-1")
    assert (accepted.stage, accepted.status, accepted.act_by) == ("to_ship", "placed", deadline)
    assert await adapter.confirm_order(shop, order_id, "accept-1") == accepted
    assert (await adapter.confirm_order(shop, order_id, "accept-2")).stage == "to_ship"
    # A key reused for another order (or step) is refused, not answered with the other's answer.
    other = buy(sim, fetched.items[0].external_id)
    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(shop, other, "accept-1")
    assert "thao tác khác" in refused.value.reason_vi
    assert sim.state.orders[other].stage == "to_confirm"
    assert stages_pushed(sim, order_id) == ["to_confirm", "to_ship"]
    assert pushed(sim, order_id)[-1]["act_by"] == pytest.approx(deadline, abs=1)

    with pytest.raises(Rejected) as refused:
        await adapter.cancel_order(shop, order_id, "OUT_OF_STOCK", "cancel-0")  # Voso's word, not Postmart's
    assert "Lý do hủy" in refused.value.reason_vi
    cancelled = await adapter.cancel_order(shop, order_id, "produce_spoiled", "cancel-1")
    assert (cancelled.stage, cancelled.status, cancelled.act_by) == ("cancelled", "cancelled", None)
    assert sim.state.orders[order_id].cancel_reason == "produce_spoiled"
    assert (await adapter.cancel_order(shop, order_id, "produce_spoiled", "cancel-2")).stage == "cancelled"
    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(shop, order_id, "accept-3")
    assert "«Đã hủy» (cancelled)" in refused.value.reason_vi
    assert stages_pushed(sim, order_id) == ["to_confirm", "to_ship", "cancelled"]


async def test_unknown_order_and_other_shop_refused(postmart):
    adapter, sim = postmart
    order_id = buy(sim, await live_item(adapter, CODE))
    with pytest.raises(Rejected) as refused:
        await adapter.fetch_order(account(CODE), "PO-ORD-999999")
    assert refused.value.reason_vi == "Không có đơn hàng."
    with pytest.raises(Rejected):
        await adapter.confirm_order(account(CODE, "shop-2"), order_id, "other-shop")
    assert sim.state.orders[order_id].stage == "to_confirm"


async def test_buyer_cancellation_answered(postmart):
    adapter, sim = postmart
    shop = account(CODE)
    order_id = buy(sim, await live_item(adapter, CODE))
    with pytest.raises(Rejected) as refused:
        await adapter.answer_cancellation(shop, order_id, False, "a-0")
    assert "«Đơn mới, chờ xác nhận» (new)" in refused.value.reason_vi
    assert public(sim, f"/orders/{order_id}/buyer-cancel").status_code == 200
    asked = await adapter.fetch_order(shop, order_id)
    assert asked.stage == "cancel_requested" and asked.act_by is not None  # the clock runs on
    assert (await adapter.answer_cancellation(shop, order_id, False, "a-1")).stage == "to_confirm"
    assert (await adapter.answer_cancellation(shop, order_id, False, "a-2")).stage == "to_confirm"
    assert public(sim, f"/orders/{order_id}/buyer-cancel").status_code == 200
    gone = await adapter.answer_cancellation(shop, order_id, True, "a-3")
    assert (gone.stage, gone.status) == ("cancelled", "cancelled")
    assert (await adapter.answer_cancellation(shop, order_id, True, "a-4")).stage == "cancelled"
    assert stages_pushed(sim, order_id) == [
        "to_confirm", "cancel_requested", "to_confirm", "cancel_requested", "cancelled",
    ]  # fmt: skip


async def test_ready_to_ship_label_tracking_and_money(postmart):
    adapter, sim = postmart
    shop = account(CODE)
    item = await live_item(adapter, CODE)
    by_pickup, by_office = buy(sim, item, quantity=2), buy(sim, item, quantity=1, payment="prepaid")
    for order_id in (by_pickup, by_office):
        await adapter.confirm_order(shop, order_id, f"c-{order_id}")

    options = await adapter.shipping_options(shop, by_pickup)
    assert options.carrier == "Vietnam Post" and options.pickup[0].slots and options.dropoff
    with pytest.raises(Rejected) as refused:
        await adapter.shipping_label(shop, by_pickup, "80mm")
    assert "chưa có vận đơn" in refused.value.reason_vi
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(shop, by_office, ShipmentChoice("dropoff", branch_id="999999"), "r-0")
    assert refused.value.reason_vi == "Không có bưu cục này."

    slot = options.pickup[0].slots[-1]
    pickup = ShipmentChoice("pickup", options.pickup[0].address_id, slot.slot_id)
    shipment = await adapter.arrange_shipment(shop, by_pickup, pickup, "r-1")
    assert shipment.carrier == "Vietnam Post" and re.fullmatch(r"EB\d{9}VN", shipment.tracking_number)
    assert await adapter.arrange_shipment(shop, by_pickup, pickup, "r-2") == shipment
    assert await adapter.tracking(shop, by_pickup) == shipment
    office = await adapter.arrange_shipment(
        shop, by_office, ShipmentChoice("dropoff", branch_id="100000"), "r-3"
    )
    assert office.tracking_number not in ("", shipment.tracking_number)
    with pytest.raises(Rejected) as refused:  # already handed to the postman: not to a post office too
        await adapter.arrange_shipment(shop, by_pickup, ShipmentChoice("dropoff", branch_id="100000"), "r-4")
    assert "(ready_to_ship)" in refused.value.reason_vi

    for size in LABEL_SIZES:
        pdf = await adapter.shipping_label(shop, by_office, size)
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000

    assert await adapter.order_money(shop, by_pickup) == OrderMoney(80_000, 2_400, 77_600, False)
    for step in ("picked_up", "delivered"):
        assert public(sim, f"/orders/{by_pickup}/carrier", step=step).status_code == 200
    assert await adapter.order_money(shop, by_pickup) == OrderMoney(80_000, 2_400, 77_600, True)
    for step in ("picked_up", "failed", "returned"):
        assert public(sim, f"/orders/{by_office}/carrier", step=step).status_code == 200
    assert await adapter.order_money(shop, by_office) == OrderMoney(40_000, 0, 0, False)
    pulled = {o.order_id: o for o in await adapter.fetch_orders(shop, 0)}
    assert (pulled[by_pickup].stage, pulled[by_pickup].status) == ("delivered", "delivered")
    assert (pulled[by_office].stage, pulled[by_office].status) == ("returned", "returned")
    assert pulled[by_office].tracking_number == office.tracking_number
    assert stages_pushed(sim, by_office) == [
        "to_confirm", "to_ship", "to_pickup", "in_transit", "delivery_failed", "returned",
    ]  # fmt: skip


async def test_handover_deadline_expires_on_the_marketplace_clock(postmart):
    """48 h from creation, accepted or not, ready to ship or not: Postmart cancels what Vietnam Post
    does not have, seen by pull and push; what the postman picked up in time goes on."""
    adapter, sim = postmart
    shop = account(CODE)
    item = await live_item(adapter, CODE)
    new, accepted, ready, picked, asked = (buy(sim, item) for _ in range(5))
    for order_id in (accepted, ready, picked, asked):
        await adapter.confirm_order(shop, order_id, f"c-{order_id}")
    office = ShipmentChoice("dropoff", branch_id="100000")
    for order_id in (ready, picked):
        await adapter.arrange_shipment(shop, order_id, office, f"r-{order_id}")
    assert public(sim, f"/orders/{picked}/carrier", step="picked_up").status_code == 200
    assert public(sim, f"/orders/{asked}/buyer-cancel").status_code == 200
    clock = sim.state.config.clock
    clock.advance(HANDOVER_WITHIN_S - 60)
    assert (await adapter.fetch_order(shop, new)).stage == "to_confirm"  # a minute left
    clock.advance(120)
    pulled = {o.order_id: o for o in await adapter.fetch_orders(shop, 0)}
    assert [pulled[o].stage for o in (new, accepted, ready, picked, asked)] == [
        "cancelled", "cancelled", "cancelled", "in_transit", "cancel_requested",
    ]  # fmt: skip
    for order_id in (new, accepted, ready):
        assert pushed(sim, order_id)[-1]["stage"] == "cancelled"
        assert sim.state.orders[order_id].cancel_reason == "deadline_missed"
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(shop, accepted, office, "too-late")
    assert "«Đã hủy» (cancelled)" in refused.value.reason_vi
    # The buyer's request waited out the deadline; rejected, the order is past it: cancelled next.
    assert (await adapter.answer_cancellation(shop, asked, False, "keep-it")).stage == "to_ship"
    assert (await adapter.fetch_order(shop, asked)).stage == "cancelled"
    assert sim.state.orders[asked].cancel_reason == "deadline_missed"


async def test_every_write_lands_once_through_faults(sims):
    """30 % of writes fail (503, 429, hang past the timeout, answer dropped after storing): each
    step retried with its key until answered lands exactly once."""
    sim = sims[CODE]
    adapter = PostmartAdapter(
        sim.url, timeout_s=10.0, clock=sim.state.config.clock
    )  # the set-up is not cut short
    shop = account(CODE)
    try:
        item = await live_item(adapter, CODE)
        order_ids = [buy(sim, item, quantity=1) for _ in range(8)]
        sim.state.config.faults = FAULTS
        adapter.client.timeout = httpx.Timeout(0.4)  # shorter than the injected hangs: they time out
        office = ShipmentChoice("dropoff", branch_id="700000")
        for n, order_id in enumerate(order_ids):
            await retried(adapter.confirm_order, shop, order_id, f"accept-{n}")
            if n % 2:
                await retried(adapter.cancel_order, shop, order_id, "price_error", f"cancel-{n}")
            else:
                await retried(adapter.arrange_shipment, shop, order_id, office, f"ship-{n}")
        assert sum(sim.state.injected.values()) >= 3, sim.state.injected
        for n, order_id in enumerate(order_ids):
            last = "cancelled" if n % 2 else "to_pickup"
            assert stages_pushed(sim, order_id) == ["to_confirm", "to_ship", last]
    finally:
        sim.state.config.faults = Faults()
        await adapter.aclose()


@pytest.mark.parametrize(
    ("method", "tail", "body", "params", "status_vi"),
    [
        ("POST", "/ready-to-ship", {"handover": "drone"}, None, "Cách giao hàng không hợp lệ."),
        (
            "POST",
            "/ready-to-ship",
            {"handover": "pickup", "address_id": "KHO-9"},
            None,
            "Không có địa chỉ lấy hàng này.",
        ),
        ("POST", "/cancel-request", {"approve": "yes"}, None, "Cần trả lời đồng ý hoặc từ chối."),
        ("POST", "/cancel", {"reason": "bored"}, None, "Lý do hủy không hợp lệ."),
        ("GET", "/label", None, {"size": "a4"}, "Khổ nhãn phải là a6 hoặc 80mm."),
    ],
)
async def test_bad_input_refused_in_vietnamese(postmart, method, tail, body, params, status_vi):
    """What our adapter never sends, sent raw: a 4xx with a Vietnamese reason, the order untouched."""
    adapter, sim = postmart
    order_id = buy(sim, await live_item(adapter, CODE))
    await adapter.confirm_order(account(CODE), order_id, "c-1")
    with pytest.raises(Rejected) as refused:
        await adapter._call(account(CODE), method, f"/orders/{order_id}{tail}", body, "bad-1", params)
    assert refused.value.reason_vi == status_vi
    assert sim.state.orders[order_id].stage == "to_ship"
