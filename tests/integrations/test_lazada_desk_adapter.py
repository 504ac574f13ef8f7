"""Lazada's desk calls, the adapter against its simulator over real HTTP (no database): a seller who
picks the carrier (GetShipmentProvider's ``platform_default`` 0), steps that are not taken twice,
the waybill in both our sizes, Lazada's refusals in Vietnamese."""

from __future__ import annotations

import pytest

from integrations.adapters.base import Account, ListingPayload, Rejected
from integrations.adapters.desk import LABEL_SIZES, ShipmentChoice
from integrations.adapters.lazada import LazadaAdapter
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.lazada_orders import lazada_id
from tests.integrations.partner_desk import buy

CODE, SELLER = "lazada", "200002"


@pytest.fixture
async def lazada(sims):
    adapter = LazadaAdapter(sims[CODE].url, timeout_s=2)
    yield adapter, sims[CODE]
    await adapter.aclose()


async def ordered(adapter, sim) -> tuple[Account, str, str]:
    """One account (its code is single use), a live item and a buyer's order of it: (account, the
    simulator's order id, Lazada's)."""
    shop = Account(SELLER, demo_credentials(CODE, SELLER))
    payload = ListingPayload(
        sku="agm-buoi", name="Bưởi da xanh", description="Bưởi Bến Tre", category="trai_cay", unit="qua",
        price_vnd=40_000, stock=20, photo_urls=["http://127.0.0.1/media/b.jpg"], version=1,
    )  # fmt: skip
    item = (await adapter.publish(shop, payload, "item-1")).external_id
    ref = buy(sim, item, quantity=2)
    return shop, ref, str(lazada_id(sim.state.orders[ref]))


def applied(sim, ref: str) -> tuple[int, int, int]:
    return tuple(sim.state.desk_applied[(ref, call)] for call in ("pack", "rts", "cancel"))  # type: ignore[return-value]


async def test_the_seller_picks_the_carrier_and_no_step_is_taken_twice(lazada):
    adapter, sim = lazada
    sim.state.config.sellers_choosing_carrier.add(SELLER)
    shop, ref, order = await ordered(adapter, sim)
    options = await adapter.shipping_options(shop, order)
    assert options.pickup == []
    assert [(b.branch_id, b.name) for b in options.dropoff] == [("LEXVN", "LEX VN"), ("JTVN", "J&T Express")]
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(shop, order, ShipmentChoice("pickup", address_id="1"), "k1")
    assert refused.value.reason_vi.startswith("Lazada không hẹn giờ lấy hàng qua API")
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(shop, order, ShipmentChoice("dropoff", branch_id="GHN"), "k2")
    assert refused.value.reason_vi == "Hãy chọn đơn vị vận chuyển Lazada đưa ra."
    assert applied(sim, ref) == (0, 0, 0)

    shipment = await adapter.arrange_shipment(shop, order, ShipmentChoice("dropoff", branch_id="JTVN"), "k3")
    assert shipment.carrier == "J&T Express" and shipment.tracking_number.startswith("JTVN")
    fetched = await adapter.fetch_order(shop, order)
    assert (fetched.stage, fetched.tracking_number, fetched.act_by) == (
        "to_pickup",
        shipment.tracking_number,
        int(sim.state.orders[ref].act_by),
    )
    # Asked again (an answer lost on the way): the order shows both steps done, none is repeated.
    assert (
        await adapter.arrange_shipment(shop, order, ShipmentChoice("dropoff", branch_id="JTVN"), "k3")
        == shipment
    )
    assert applied(sim, ref) == (1, 1, 0)
    assert (await adapter.tracking(shop, order)).tracking_number == shipment.tracking_number
    for size in LABEL_SIZES:  # Lazada prints one waybill format
        assert (await adapter.shipping_label(shop, order, size)).startswith(b"%PDF-")
    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(shop, order, "k4")
    assert refused.value.reason_vi.startswith("Lazada không có bước xác nhận đơn")


async def test_cancel_once_then_lazada_refuses_the_next_steps(lazada):
    adapter, sim = lazada
    shop, ref, order = await ordered(adapter, sim)
    with pytest.raises(Rejected):
        await adapter.cancel_order(shop, order, "CUSTOMER_REQUEST", "k1")  # not one of Lazada's ids
    cancelled = await adapter.cancel_order(shop, order, "10000021", "k2")
    assert cancelled.stage == "cancelled" and sim.state.orders[ref].cancel_reason == "10000021"
    assert (await adapter.cancel_order(shop, order, "10000021", "k2")).stage == "cancelled"
    assert applied(sim, ref) == (0, 0, 1)
    with pytest.raises(Rejected) as refused:
        await adapter.shipping_label(shop, order, "a6")
    assert refused.value.reason_vi == f"Không thể in phiếu gửi hàng: đơn {order} hiện đã hủy."
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(shop, order, ShipmentChoice("dropoff"), "k3")
    assert refused.value.reason_vi == f"Không thể sắp xếp vận chuyển: đơn {order} hiện đã hủy."
    assert applied(sim, ref) == (0, 0, 1)
