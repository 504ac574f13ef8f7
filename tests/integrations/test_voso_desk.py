"""Voso's order desk: the adapter against its simulator over real HTTP (our proposed contract).

Deadlines: confirm within 24 h of creation, then hand over to Viettel Post within 48 h of confirming.
"""

from __future__ import annotations

import re

import httpx
import pytest

from integrations.adapters.base import Rejected
from integrations.adapters.desk import LABEL_SIZES, OrderMoney, ShipmentChoice
from integrations.adapters.voso import VosoAdapter
from integrations.adapters.voso_orders import CONFIRM_WITHIN_S, HANDOVER_WITHIN_S
from integrations.orders.events import order_from_event
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

CODE = "voso"


@pytest.fixture
async def voso(sims):
    adapter = VosoAdapter(sims[CODE].url, timeout_s=2)
    yield adapter, sims[CODE]
    await adapter.aclose()


async def test_confirm_then_cancel_refused_and_fetched(voso):
    adapter, sim = voso
    shop = account(CODE)
    order_id = buy(sim, await live_item(adapter, CODE), quantity=3)
    placed = sim.state.orders[order_id]

    fetched = await adapter.fetch_order(shop, order_id)
    assert (fetched.stage, fetched.status, fetched.tracking_number) == ("to_confirm", "placed", "")
    assert fetched.act_by == pytest.approx(placed.created + CONFIRM_WITHIN_S, abs=1)
    assert fetched.amount_vnd == 120_000 and fetched.payment == "cod"

    confirmed = await adapter.confirm_order(shop, order_id, "confirm-1")
    assert (confirmed.stage, confirmed.status) == ("to_ship", "placed")
    assert confirmed.act_by == pytest.approx(sim.state.now() + HANDOVER_WITHIN_S, abs=2)
    # The same key: the first answer; another key: the step is taken, the order as it is.
    assert await adapter.confirm_order(shop, order_id, "confirm-1") == confirmed
    assert (await adapter.confirm_order(shop, order_id, "confirm-2")).stage == "to_ship"
    assert stages_pushed(sim, order_id) == ["to_confirm", "to_ship"]
    # A key reused for another order (or step) is refused, not answered with the other's answer.
    other = buy(sim, fetched.items[0].external_id)
    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(shop, other, "confirm-1")
    assert "thao tác khác" in refused.value.reason_vi
    assert sim.state.orders[other].stage == "to_confirm"

    with pytest.raises(Rejected) as refused:
        await adapter.cancel_order(shop, order_id, "NOT_A_REASON", "cancel-0")
    assert "Lý do hủy" in refused.value.reason_vi
    cancelled = await adapter.cancel_order(shop, order_id, "OUT_OF_STOCK", "cancel-1")
    assert (cancelled.stage, cancelled.status, cancelled.act_by) == ("cancelled", "cancelled", None)
    assert sim.state.orders[order_id].cancel_reason == "OUT_OF_STOCK"
    assert (await adapter.cancel_order(shop, order_id, "OUT_OF_STOCK", "cancel-2")).stage == "cancelled"

    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(shop, fetched.order_id, "confirm-3")
    assert "«Đã hủy» (CANCELED)" in refused.value.reason_vi
    assert stages_pushed(sim, order_id) == ["to_confirm", "to_ship", "cancelled"]
    assert pushed(sim, order_id)[-1]["status"] == "cancelled"


async def test_unknown_order_and_other_shop_refused(voso):
    adapter, sim = voso
    order_id = buy(sim, await live_item(adapter, CODE))
    with pytest.raises(Rejected) as refused:
        await adapter.fetch_order(account(CODE), "VO-ORD-999999")
    assert refused.value.reason_vi == "Không có đơn hàng."
    with pytest.raises(Rejected):
        await adapter.confirm_order(account(CODE, "shop-2"), order_id, "other-shop")
    assert sim.state.orders[order_id].stage == "to_confirm"


async def test_buyer_cancellation_answered(voso):
    adapter, sim = voso
    shop = account(CODE)
    order_id = buy(sim, await live_item(adapter, CODE))
    await adapter.confirm_order(shop, order_id, "c-1")
    with pytest.raises(Rejected) as refused:
        await adapter.answer_cancellation(shop, order_id, True, "a-0")
    assert "Đã xác nhận" in refused.value.reason_vi
    assert public(sim, f"/orders/{order_id}/buyer-cancel").status_code == 200
    assert (await adapter.fetch_order(shop, order_id)).stage == "cancel_requested"
    kept = await adapter.answer_cancellation(shop, order_id, False, "a-1")
    assert kept.stage == "to_ship"
    assert (await adapter.answer_cancellation(shop, order_id, False, "a-2")).stage == "to_ship"
    assert public(sim, f"/orders/{order_id}/buyer-cancel").status_code == 200
    gone = await adapter.answer_cancellation(shop, order_id, True, "a-3")
    assert (gone.stage, gone.status) == ("cancelled", "cancelled")
    assert sim.state.orders[order_id].cancelled_by == "buyer"
    assert stages_pushed(sim, order_id) == [
        "to_confirm", "to_ship", "cancel_requested", "to_ship", "cancel_requested", "cancelled",
    ]  # fmt: skip


async def test_waybill_label_tracking_and_money(voso):
    adapter, sim = voso
    shop = account(CODE)
    item = await live_item(adapter, CODE)
    by_pickup, by_branch = buy(sim, item, quantity=2), buy(sim, item, quantity=1, payment="prepaid")
    for order_id in (by_pickup, by_branch):
        await adapter.confirm_order(shop, order_id, f"c-{order_id}")

    options = await adapter.shipping_options(shop, by_pickup)
    assert options.carrier == "Viettel Post"
    assert options.pickup and options.pickup[0].slots and options.dropoff
    slot = options.pickup[0].slots[0]
    assert sim.state.now() < slot.starts_at < slot.ends_at
    with pytest.raises(Rejected) as refused:
        await adapter.shipping_label(shop, by_pickup, "a6")
    assert "chưa có vận đơn" in refused.value.reason_vi
    with pytest.raises(Rejected) as refused:
        bad = ShipmentChoice("pickup", options.pickup[0].address_id, "19990101-AM")
        await adapter.arrange_shipment(shop, by_pickup, bad, "w-0")
    assert refused.value.reason_vi == "Khung giờ lấy hàng không còn."

    pickup = ShipmentChoice("pickup", options.pickup[0].address_id, slot.slot_id)
    shipment = await adapter.arrange_shipment(shop, by_pickup, pickup, "w-1")
    assert shipment.carrier == "Viettel Post" and re.fullmatch(r"VTP\d{10}", shipment.tracking_number)
    assert await adapter.arrange_shipment(shop, by_pickup, pickup, "w-2") == shipment  # taken: the same
    assert await adapter.tracking(shop, by_pickup) == shipment
    dropoff = ShipmentChoice("dropoff", branch_id=options.dropoff[0].branch_id)
    other = await adapter.arrange_shipment(shop, by_branch, dropoff, "w-3")
    assert other.tracking_number not in ("", shipment.tracking_number)
    fetched = await adapter.fetch_order(shop, by_pickup)
    assert (fetched.stage, fetched.tracking_number) == ("to_pickup", shipment.tracking_number)

    for size in LABEL_SIZES:
        pdf = await adapter.shipping_label(shop, by_pickup, size)
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert await adapter.shipping_label(shop, by_pickup, "a6") != await adapter.shipping_label(
        shop, by_pickup, "80mm"
    )

    money = await adapter.order_money(shop, by_pickup)
    assert money == OrderMoney(80_000, 4_000, 76_000, False)  # 5 %: commission and payment fee
    for step in ("picked_up", "failed", "delivered"):
        assert public(sim, f"/orders/{by_pickup}/carrier", step=step).status_code == 200
    assert public(sim, f"/orders/{by_pickup}/carrier", step="returned").status_code == 409
    assert await adapter.order_money(shop, by_pickup) == OrderMoney(80_000, 4_000, 76_000, True)
    delivered = await adapter.fetch_order(shop, by_pickup)
    assert (delivered.stage, delivered.status, delivered.act_by) == ("delivered", "delivered", None)
    assert stages_pushed(sim, by_pickup) == [
        "to_confirm", "to_ship", "to_pickup", "in_transit", "delivery_failed", "delivered",
    ]  # fmt: skip
    assert {e["tracking_number"] for e in pushed(sim, by_pickup)[2:]} == {shipment.tracking_number}
    told = order_from_event(pushed(sim, by_pickup)[2], CODE)  # our webhook's reading of the push
    assert (told.stage, told.status, told.tracking_number) == (
        "to_pickup",
        "placed",
        shipment.tracking_number,
    )
    # Pulled, the same stages: fetch_orders fills stage and tracking number too.
    pulled = {o.order_id: o for o in await adapter.fetch_orders(shop, 0)}
    assert (pulled[by_branch].stage, pulled[by_branch].tracking_number) == (
        "to_pickup",
        other.tracking_number,
    )
    assert pulled[by_pickup].stage == "delivered"


async def test_deadlines_expire_on_the_marketplace_clock(voso):
    """Not confirmed in 24 h: Voso cancels it; confirmed, not handed over 48 h later: cancelled too.
    Both seen by pull and by push; acting late is refused naming the status."""
    adapter, sim = voso
    shop = account(CODE)
    item = await live_item(adapter, CODE)
    unconfirmed, confirmed, shipped = buy(sim, item), buy(sim, item), buy(sim, item)
    for order_id in (confirmed, shipped):
        await adapter.confirm_order(shop, order_id, f"c-{order_id}")
    clock = sim.state.config.clock
    clock.advance(CONFIRM_WITHIN_S - 60)
    assert (await adapter.fetch_order(shop, unconfirmed)).stage == "to_confirm"
    options = await adapter.shipping_options(shop, shipped)
    branch = ShipmentChoice("dropoff", branch_id=options.dropoff[0].branch_id)
    await adapter.arrange_shipment(shop, shipped, branch, "w-shipped")
    assert public(sim, f"/orders/{shipped}/carrier", step="picked_up").status_code == 200
    clock.advance(120)
    # Whoever asks the marketplace next (here about another order) finds its clock checked.
    assert (await adapter.fetch_order(shop, shipped)).stage == "in_transit"
    assert pushed(sim, unconfirmed)[-1]["stage"] == "cancelled"  # pushed, unasked
    late = await adapter.fetch_order(shop, unconfirmed)
    assert (late.stage, late.status) == ("cancelled", "cancelled")
    assert sim.state.orders[unconfirmed].cancelled_by == "system"
    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(shop, unconfirmed, "too-late")
    assert "«Đã hủy» (CANCELED)" in refused.value.reason_vi

    clock.advance(HANDOVER_WITHIN_S - CONFIRM_WITHIN_S)  # 48 h after confirming
    pulled = {o.order_id: o for o in await adapter.fetch_orders(shop, 0)}
    assert pulled[confirmed].stage == "cancelled"  # the pull itself saw the deadline pass
    assert pushed(sim, confirmed)[-1]["stage"] == "cancelled"
    assert pulled[shipped].stage == "in_transit"  # handed over in time


async def test_every_write_lands_once_through_faults(sims):
    """30 % of writes fail (503, 429, hang past the timeout, answer dropped after storing): each
    step retried with its key until answered lands exactly once."""
    sim = sims[CODE]
    adapter = VosoAdapter(sim.url, timeout_s=10.0)  # the set-up is not cut short
    shop = account(CODE)
    try:
        item = await live_item(adapter, CODE)
        order_ids = [buy(sim, item, quantity=1) for _ in range(8)]
        sim.state.config.faults = FAULTS
        adapter.client.timeout = httpx.Timeout(0.4)  # shorter than the injected hangs: they time out
        dropoff = ShipmentChoice(
            "dropoff", branch_id=(await adapter.shipping_options(shop, order_ids[0])).dropoff[0].branch_id
        )
        for n, order_id in enumerate(order_ids):
            await retried(adapter.confirm_order, shop, order_id, f"confirm-{n}")
            if n % 2:
                await retried(adapter.cancel_order, shop, order_id, "WRONG_PRICE", f"cancel-{n}")
            else:
                await retried(adapter.arrange_shipment, shop, order_id, dropoff, f"ship-{n}")
        assert sum(sim.state.injected.values()) >= 3, sim.state.injected
        for n, order_id in enumerate(order_ids):
            last = "cancelled" if n % 2 else "to_pickup"
            assert stages_pushed(sim, order_id) == ["to_confirm", "to_ship", last]
    finally:
        sim.state.config.faults = Faults()
        await adapter.aclose()


@pytest.mark.parametrize(
    ("method", "tail", "body", "status_vi"),
    [
        ("POST", "/waybill", {"method": "teleport"}, "Cách giao hàng không hợp lệ."),
        ("POST", "/waybill", {"method": "dropoff", "branch_code": "VTP-NOWHERE"}, "Không có bưu cục này."),
        ("POST", "/cancel-request", {"decision": "maybe"}, "Quyết định phải là accept hoặc reject."),
        ("POST", "/cancel", {}, "Lý do hủy không hợp lệ."),
        ("GET", "/label?size=a4", None, "Khổ nhãn phải là a6 hoặc 80mm."),
    ],
)
async def test_bad_input_refused_in_vietnamese(voso, method, tail, body, status_vi):
    """What our adapter never sends, sent raw: a 4xx with a Vietnamese reason, the order untouched."""
    adapter, sim = voso
    order_id = buy(sim, await live_item(adapter, CODE))
    await adapter.confirm_order(account(CODE), order_id, "c-1")
    with pytest.raises(Rejected) as refused:
        await adapter._call(account(CODE), method, f"/orders/{order_id}{tail}", body, "bad-1")
    assert refused.value.reason_vi == status_vi
    assert sim.state.orders[order_id].stage == "to_ship"
