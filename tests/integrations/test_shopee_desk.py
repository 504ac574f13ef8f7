"""Shopee's side of the order desk (issue 20): the adapter against the Shopee simulator over real
HTTP — the stages read from order_status, cancel and the buyer's cancellation, shipping options and
ship_order, the tracking number, the waybill PDF in both sizes, escrow money; refusals in Vietnamese
naming the order's state; Shopee's auto-cancel after ship_by_date on the simulator's clock; every
write safe to repeat, and landing exactly once under 30 % injected faults.
"""

from __future__ import annotations

import json

import httpx
import pytest

from integrations.adapters.base import Account, ListingPayload, Rejected, Retryable
from integrations.adapters.desk import ShipmentChoice
from integrations.adapters.shopee import ShopeeAdapter
from integrations.adapters.shopee_desk import CANCEL, DOCUMENT_TYPE, SHIP, options_from_wire
from integrations.adapters.shopee_orders import order_from_wire
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.state import Faults
from tests.integrations.helpers import SHOPEE_ANSWERS, WEBP_PHOTO

SHOP = "880001"
DAY = 86400.0


async def read_photo(key: str) -> bytes:
    return WEBP_PHOTO


@pytest.fixture
async def adapter(sims):
    # A timeout no loaded test machine reaches: only the fault test below wants its hangs cut short.
    made = ShopeeAdapter(sims["shopee"].url, timeout_s=10.0, read_photo=read_photo)
    made.clock = sims["shopee"].state.config.clock  # our clock is Shopee's: tests move both
    made.label_poll_s = 0.0
    yield made
    await made.aclose()


@pytest.fixture
def seller() -> Account:
    return Account(SHOP, demo_credentials("shopee", SHOP))


@pytest.fixture
async def item(adapter, seller) -> str:
    payload = ListingPayload(
        sku="agm-1", name="Bưởi da xanh", description="Bưởi Bến Tre", category="trai_cay", unit="kg",
        price_vnd=60_000, stock=500, photo_urls=[], version=1, photo_keys=["p/1.webp"], weight_kg=1.5,
        attributes=SHOPEE_ANSWERS,
    )  # fmt: skip
    return (await adapter.publish(seller, payload, "key-1")).external_id


def buy(sims, item: str, quantity: int = 2, **buyer) -> str:
    answer = httpx.post(f"{sims['shopee'].url}/orders/{item}", params={"quantity": quantity, **buyer})
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


def sim_step(sims, order_sn: str, action: str, **params) -> httpx.Response:
    return httpx.post(f"{sims['shopee'].url}/orders/{order_sn}/{action}", params=params)


def pushed_stages(sims, order_sn: str) -> list[str]:
    events = [json.loads(body) for body, _ in sims["shopee"].state.sent]
    return [e["stage"] for e in events if e.get("order_id") == order_sn]


def applied(sims, order_sn: str, call: str) -> int:
    return sims["shopee"].state.desk_applied[(order_sn, call)]


# ------------------------------------------------------------------ order_status -> desk stage


def wire(status: str, **fields) -> dict:
    return {"order_sn": "X1", "order_status": status, "create_time": 1, "update_time": 2} | fields


def test_order_status_is_read_into_the_desk_stage():
    expected = {
        "UNPAID": ("unpaid", "placed"), "READY_TO_SHIP": ("to_ship", "placed"),
        "RETRY_SHIP": ("to_ship", "placed"), "PROCESSED": ("to_pickup", "placed"),
        "SHIPPED": ("in_transit", "shipped"), "TO_CONFIRM_RECEIVE": ("delivered", "delivered"),
        "COMPLETED": ("delivered", "delivered"), "IN_CANCEL": ("cancel_requested", "placed"),
        "CANCELLED": ("cancelled", "cancelled"), "TO_RETURN": ("returned", "returned"),
    }  # fmt: skip
    for status, (stage, ours) in expected.items():
        order = order_from_wire(wire(status))
        assert (order.stage, order.status) == (stage, ours), status
    failed = wire("SHIPPED", package_list=[{"logistics_status": "LOGISTICS_DELIVERY_FAILED"}])
    assert (order_from_wire(failed).stage, order_from_wire(failed).status) == ("delivery_failed", "shipped")
    assert order_from_wire(wire("PROCESSED"), "SPXVN06100000001").tracking_number == "SPXVN06100000001"


def test_shipping_parameter_as_the_reference_samples_it():
    # v2.logistics.get_shipping_parameter's response sample: pickup only, addresses without time slots.
    sample = {
        "info_needed": {"dropoff": [], "pickup": ["address_id", "pickup_time_id"]},
        "dropoff": None,
        "pickup": {
            "address_list": [
                {"address_id": 123, "region": "SG", "state": "", "city": "", "district": "", "town": "",
                 "address": "", "zipcode": "40009", "address_flag": ["default_address", "pickup_address"],
                 "time_slot_list": None},
                {"address_id": 234, "region": "SG", "state": "", "city": "", "district": "", "town": "",
                 "address": "hhh, #34", "zipcode": "xxx", "address_flag": [], "time_slot_list": None},
            ]
        },
    }  # fmt: skip
    options = options_from_wire(sample, "SPX Express")
    assert [(a.address_id, a.address, a.slots) for a in options.pickup] == [
        ("123", "", []),
        ("234", "hhh, #34", []),
    ]
    assert options.dropoff == []
    any_branch = options_from_wire({"info_needed": {"dropoff": ["sender_real_name"]}, "dropoff": None}, "GHN")
    assert [(b.branch_id, b.name) for b in any_branch.dropoff] == [("", "Bất kỳ bưu cục nào của GHN")]


async def test_shopee_has_no_confirm_step_and_its_own_cancel_reasons(adapter, seller):
    assert adapter.confirms is False
    assert [r.code for r in adapter.cancel_reasons] == [
        "OUT_OF_STOCK",
        "CUSTOMER_REQUEST",
        "COD_NOT_SUPPORTED",
    ]
    with pytest.raises(Rejected) as refused:
        await adapter.confirm_order(seller, "any", "k")
    assert "Shopee không có bước xác nhận" in refused.value.reason_vi


# ------------------------------------------------------------------ shipping


async def test_pickup_arranged_once_then_label_tracking_and_money(sims, adapter, seller, item):
    order_sn = buy(sims, item, payment="cod", days_to_ship=3)
    sim_order = sims["shopee"].state.orders[order_sn]
    fetched = await adapter.fetch_order(seller, order_sn)
    assert (fetched.stage, fetched.status, fetched.tracking_number) == ("to_ship", "placed", "")
    assert fetched.act_by == int(sim_order.ship_by)

    options = await adapter.shipping_options(seller, order_sn)
    assert options.carrier == "SPX Express"
    assert [a.address_id for a in options.pickup] == ["3001", "3002"]
    slots = options.pickup[0].slots
    assert len(slots) == 3 and all(s.starts_at > sim_order.created for s in slots)
    assert [b.branch_id for b in options.dropoff] == ["7001", "7002"]

    choice = ShipmentChoice("pickup", address_id="3001", slot_id=slots[0].slot_id)
    shipment = await adapter.arrange_shipment(seller, order_sn, choice, "k-ship")
    assert shipment.tracking_number.startswith("SPXVN06") and shipment.carrier == "SPX Express"
    assert await adapter.arrange_shipment(seller, order_sn, choice, "k-ship") == shipment  # repeat
    assert applied(sims, order_sn, "ship_order") == 1
    assert pushed_stages(sims, order_sn)[-1] == "to_pickup"
    fetched = await adapter.fetch_order(seller, order_sn)
    assert (fetched.stage, fetched.tracking_number) == ("to_pickup", shipment.tracking_number)
    assert (await adapter.tracking(seller, order_sn)).tracking_number == shipment.tracking_number
    with pytest.raises(Rejected) as refused:  # arranged: no more options to choose from
        await adapter.shipping_options(seller, order_sn)
    assert "đã sắp xếp vận chuyển" in refused.value.reason_vi

    labels = {size: await adapter.shipping_label(seller, order_sn, size) for size in DOCUMENT_TYPE}
    assert all(pdf.startswith(b"%PDF") for pdf in labels.values()) and labels["a6"] != labels["80mm"]
    assert (await adapter.shipping_label(seller, order_sn, "a6")).startswith(b"%PDF")  # again: no new task
    assert applied(sims, order_sn, "create_shipping_document") == 2  # one per document type

    money = await adapter.order_money(seller, order_sn)
    assert (money.amount_vnd, money.fees_vnd, money.payout_vnd) == (120_000, 10_800, 109_200)
    assert money.paid_out is False
    for step, stage, status in (
        ("picked_up", "in_transit", "shipped"),
        ("failed", "delivery_failed", "shipped"),
        ("delivered", "delivered", "delivered"),
    ):
        assert sim_step(sims, order_sn, "carrier", step=step).status_code == 200
        fetched = await adapter.fetch_order(seller, order_sn)
        assert (fetched.stage, fetched.status) == (stage, status)
    assert (await adapter.order_money(seller, order_sn)).paid_out is True
    with pytest.raises(Rejected) as refused:
        await adapter.cancel_order(seller, order_sn, "OUT_OF_STOCK", "k-cancel")
    assert "hiện đã giao" in refused.value.reason_vi
    assert sim_step(sims, order_sn, "carrier", step="picked_up").status_code == 409


async def test_dropoff_and_the_refusals_before_shipping(sims, adapter, seller, item):
    order_sn = buy(sims, item)
    with pytest.raises(Rejected) as refused:  # no tracking number before the shipment is arranged
        await adapter.shipping_label(seller, order_sn, "a6")
    assert "hiện chờ gửi hàng" in refused.value.reason_vi
    with pytest.raises(Rejected):
        await adapter.shipping_label(seller, order_sn, "A4")
    with pytest.raises(Rejected) as refused:  # Shopee's own refusal, in our Vietnamese
        await adapter.arrange_shipment(seller, order_sn, ShipmentChoice("pickup", address_id="999"), "k")
    assert "logistics.address_not_found" in refused.value.reason_en
    shipment = await adapter.arrange_shipment(
        seller, order_sn, ShipmentChoice("dropoff", branch_id="7002"), "k"
    )
    assert shipment.tracking_number and sims["shopee"].state.orders[order_sn].shipping_method == "dropoff"
    with pytest.raises(
        Rejected
    ) as refused:  # Shopee refuses a second ship_order: the adapter never sends one
        await adapter._shop(seller, "POST", SHIP, json={"order_sn": order_sn, "dropoff": {}})
    assert "logistics.package_already_shipped" in refused.value.reason_en
    assert applied(sims, order_sn, "ship_order") == 1
    sims["shopee"].state.config.shops_without_pickup.add(SHOP)  # the carrier takes drop-offs only
    drop_only = buy(sims, item)
    options = await adapter.shipping_options(seller, drop_only)
    assert options.pickup == [] and len(options.dropoff) == 2
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(seller, drop_only, ShipmentChoice("pickup", address_id="3001"), "k")
    assert refused.value.reason_vi.startswith("Đơn này không hỗ trợ lấy hàng tận nơi: hãy gửi tại bưu cục.")
    assert sim_step(sims, order_sn, "carrier", step="pickup_failed").status_code == 200
    assert (await adapter._detail(seller, order_sn))["order_status"] == "RETRY_SHIP"
    assert (await adapter.fetch_order(seller, order_sn)).stage == "to_ship"  # arrange it again
    await adapter.arrange_shipment(seller, order_sn, ShipmentChoice("dropoff", branch_id="7001"), "k2")
    assert applied(sims, order_sn, "ship_order") == 2
    with pytest.raises(Rejected) as refused:
        await adapter.fetch_order(seller, "NO-SUCH-ORDER")
    assert "Shopee không có đơn hàng" in refused.value.reason_vi


# ------------------------------------------------------------------ cancelling


async def test_cancel_out_of_stock_once(sims, adapter, seller, item):
    order_sn = buy(sims, item)
    cancelled = await adapter.cancel_order(seller, order_sn, "OUT_OF_STOCK", "k-1")
    assert (cancelled.stage, cancelled.status) == ("cancelled", "cancelled")
    assert sims["shopee"].state.orders[order_sn].cancel_reason == "OUT_OF_STOCK"  # item_list was accepted
    again = await adapter.cancel_order(seller, order_sn, "OUT_OF_STOCK", "k-1")
    assert again.stage == "cancelled" and applied(sims, order_sn, "cancel_order") == 1
    assert pushed_stages(sims, order_sn) == ["to_ship", "cancelled"]
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(seller, order_sn, ShipmentChoice("dropoff"), "k-2")
    assert "hiện đã hủy" in refused.value.reason_vi
    other = buy(sims, item)
    with pytest.raises(Rejected):
        await adapter.cancel_order(seller, other, "UNDELIVERABLE_AREA", "k-3")  # TW and MY only
    with pytest.raises(Rejected) as refused:  # the simulator checks what the reference requires
        await adapter._shop(seller, "POST", CANCEL, json={"order_sn": other, "cancel_reason": "OUT_OF_STOCK"})
    assert "item_list is required" in refused.value.reason_en
    assert applied(sims, other, "cancel_order") == 0


async def test_buyer_cancellation_accepted_or_rejected_once(sims, adapter, seller, item):
    accepted, rejected = buy(sims, item), buy(sims, item)
    for order_sn in (accepted, rejected):
        assert sim_step(sims, order_sn, "buyer-cancel").status_code == 200
        fetched = await adapter.fetch_order(seller, order_sn)
        assert (fetched.stage, fetched.status) == ("cancel_requested", "placed")
    with pytest.raises(Rejected) as refused:
        await adapter.cancel_order(seller, accepted, "CUSTOMER_REQUEST", "k")
    assert "hãy chấp nhận yêu cầu" in refused.value.reason_vi

    for _ in range(2):
        assert (await adapter.answer_cancellation(seller, accepted, True, "k-a")).stage == "cancelled"
        assert (await adapter.answer_cancellation(seller, rejected, False, "k-r")).stage == "to_ship"
    assert applied(sims, accepted, "handle_buyer_cancellation") == 1
    assert applied(sims, rejected, "handle_buyer_cancellation") == 1
    assert sims["shopee"].state.orders[accepted].cancelled_by == "buyer"
    with pytest.raises(Rejected) as refused:  # no request pending any more
        await adapter.answer_cancellation(seller, rejected, True, "k-late")
    assert "hiện chờ gửi hàng" in refused.value.reason_vi


# ------------------------------------------------------------------ deadlines


async def test_a_missed_ship_by_date_is_auto_cancelled(sims, adapter, seller, item):
    late, in_time = buy(sims, item, days_to_ship=2), buy(sims, item, days_to_ship=3)
    state = sims["shopee"].state
    since = state.now() - 60
    state.config.clock.advance(2 * DAY + 60)  # past the first order's ship_by_date only
    assert (await adapter.fetch_order(seller, late)).stage == "cancelled"
    assert state.orders[late].cancelled_by == "system" and pushed_stages(sims, late)[-1] == "cancelled"
    pulled = {o.order_id: o for o in await adapter.fetch_orders(seller, since)}
    assert (pulled[late].stage, pulled[late].status) == ("cancelled", "cancelled")
    assert pulled[in_time].stage == "to_ship"
    with pytest.raises(Rejected) as refused:
        await adapter.arrange_shipment(seller, late, ShipmentChoice("dropoff"), "k")
    assert "hiện đã hủy" in refused.value.reason_vi
    state.config.clock.advance(DAY - 120)  # a minute before the second one's ship_by_date: arranged,
    await adapter.arrange_shipment(seller, in_time, ShipmentChoice("dropoff"), "k")
    state.config.clock.advance(120)  # but not handed over by then
    assert (await adapter.fetch_order(seller, in_time)).stage == "cancelled"


# ------------------------------------------------------------------ faults


async def repeat(call):
    """What the outbox does: the same call again until it is not Retryable."""
    for _ in range(60):
        try:
            return await call()
        except Retryable:
            continue
    raise AssertionError("still failing after 60 tries")


async def test_every_write_lands_once_under_30_percent_faults(sims, adapter, seller, item):
    state = sims["shopee"].state
    adapter.client.timeout = httpx.Timeout(0.6)  # shorter than the injected hangs: they time out
    shipped, cancelled, asked = [buy(sims, item, 1) for _ in range(4)], buy(sims, item), buy(sims, item)
    assert sim_step(sims, asked, "buyer-cancel").status_code == 200
    state.config.faults = Faults(
        error_rate=0.1, throttle_rate=0.05, timeout_rate=0.05, drop_rate=0.1, hang_s=0.8, retry_after_s=0.0
    )
    choice = ShipmentChoice("dropoff", branch_id="7001")
    for order_sn in shipped:
        shipment = await repeat(lambda sn=order_sn: adapter.arrange_shipment(seller, sn, choice, f"k-{sn}"))
        label = await repeat(lambda sn=order_sn: adapter.shipping_label(seller, sn, "80mm"))
        assert shipment.tracking_number and label.startswith(b"%PDF")
    await repeat(lambda: adapter.cancel_order(seller, cancelled, "OUT_OF_STOCK", "k-c"))
    await repeat(lambda: adapter.answer_cancellation(seller, asked, True, "k-a"))
    assert sum(state.injected.values()) > 0
    for order_sn in shipped:
        assert applied(sims, order_sn, "ship_order") == 1
        assert applied(sims, order_sn, "create_shipping_document") == 1
        assert state.orders[order_sn].stage == "to_pickup"
    assert applied(sims, cancelled, "cancel_order") == 1 and state.orders[cancelled].stage == "cancelled"
    assert applied(sims, asked, "handle_buyer_cancellation") == 1 and state.orders[asked].stage == "cancelled"
