"""Voso's order desk: the adapter against its simulator over real HTTP (our proposed contract).

Deadlines: confirm within 24 h of creation, then hand over to Viettel Post within 48 h of confirming.
"""

from __future__ import annotations

import pytest

from integrations.adapters.base import Rejected
from integrations.adapters.voso import VosoAdapter
from integrations.adapters.voso_orders import CONFIRM_WITHIN_S, HANDOVER_WITHIN_S
from tests.integrations.partner_desk import account, buy, live_item, public, pushed, stages_pushed

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
    assert public(sim, f"/orders/{order_id}/cancel-request").status_code == 200
    assert (await adapter.fetch_order(shop, order_id)).stage == "cancel_requested"
    kept = await adapter.answer_cancellation(shop, order_id, False, "a-1")
    assert kept.stage == "to_ship"
    assert (await adapter.answer_cancellation(shop, order_id, False, "a-2")).stage == "to_ship"
    assert public(sim, f"/orders/{order_id}/cancel-request").status_code == 200
    gone = await adapter.answer_cancellation(shop, order_id, True, "a-3")
    assert (gone.stage, gone.status) == ("cancelled", "cancelled")
    assert sim.state.orders[order_id].cancelled_by == "buyer"
    assert stages_pushed(sim, order_id) == [
        "to_confirm", "to_ship", "cancel_requested", "to_ship", "cancel_requested", "cancelled",
    ]  # fmt: skip
