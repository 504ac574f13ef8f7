"""The order desk on Lazada over real HTTP against the Lazada simulator failing 30 % of the writes:
"gửi hàng" packs the order (Pack) and sets it ready to ship (ReadyToShip), each applied once; the
waybill PDF (PrintAWB); the carrier's collection reaches us as shipped; a cancellation with one of
Lazada's reason ids applied once; a step Lazada refuses shows its reason in Vietnamese. The deadline
is the items' ``sla_time_stamp``.
"""

from __future__ import annotations

import httpx

from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.simulators.lazada_orders import lazada_id
from integrations.simulators.state import Faults
from integrations.tables import MarketplaceOrder, OrderAction
from tests.integrations.desk_helpers import act, detail, order_id, public, settle
from tests.integrations.test_lazada_sync import live_on_lazada, thirty_percent

CODE = "lazada"


def applied(sims, ref: str, call: str) -> int:
    return sims[CODE].state.desk_applied[(ref, call)]


async def pull(worker, int_settings) -> int:
    return await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings))


def buy(sims, item: str, quantity: int = 1) -> str:
    answer = httpx.post(f"{sims[CODE].url}/orders/{item}", params={"quantity": quantity})
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


async def ordered(client, accounts, worker, sims, int_settings, orders: int = 1):
    """A farmer's live Lazada listing and ``orders`` buyers' orders of it, pulled: (farmer, [(the
    simulator's order id, our order id)])."""
    farmer, _product, listing = await live_on_lazada(
        client, accounts, worker, sims, int_settings, unit="kg", price_vnd=50_000, stock=20
    )
    refs = [buy(sims, listing["external_id"]) for _ in range(orders)]
    assert await pull(worker, int_settings) == orders
    found = []
    for ref in refs:
        found.append((ref, await order_id(str(lazada_id(sims[CODE].state.orders[ref])))))
    return farmer, found


async def test_pack_ready_to_ship_waybill_and_shipped(client, accounts, worker, sims, int_settings):
    farmer, [(ref, order)] = await ordered(client, accounts, worker, sims, int_settings)
    sim_order = sims[CODE].state.orders[ref]
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["allowed"]) == ("to_ship", ["cancel", "arrange_shipment"])
    # The items' sla_time_stamp: Lazada's ship-by time.
    assert shown["deadline_vi"].startswith("Cần giao cho đơn vị vận chuyển trước ")
    row = await MarketplaceOrder.select(MarketplaceOrder.act_by).where(MarketplaceOrder.id == order).first()
    assert row["act_by"].timestamp() == int(sim_order.act_by)  # to the second, as Lazada writes it
    assert [r["code"] for r in shown["cancel_reasons"]] == ["10000021", "10000019", "10000023"]

    options = await client.get(f"/api/v1/orders/{order}/shipping-options", headers=farmer.headers)
    assert options.status_code == 200, options.text
    assert (options.json()["pickup"], options.json()["carrier"]) == ([], "LEX VN")
    branch = options.json()["dropoff"][0]
    assert branch["name"] == "Đơn vị vận chuyển do Lazada chỉ định"
    shipped = await act(
        client, farmer, order, "ship", {"method": "dropoff", "branch_id": branch["branch_id"]}
    )
    assert shipped.status_code == 202, shipped.text
    await settle(worker, timeout=120)
    assert (applied(sims, ref, "pack"), applied(sims, ref, "rts")) == (1, 1)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["carrier"]) == ("to_pickup", "LEX VN")
    assert shown["tracking_number"] == sim_order.tracking_number != ""
    assert shown["deadline_vi"].startswith("Cần giao cho đơn vị vận chuyển trước ")

    label = await client.get(f"/api/v1/orders/{order}/label", params={"size": "a6"}, headers=farmer.headers)
    assert label.status_code == 200, label.text
    assert label.headers["content-type"].startswith("application/pdf") and label.content.startswith(b"%PDF-")

    assert public(sims, CODE, f"/orders/{ref}/carrier", step="picked_up").status_code == 200
    assert await pull(worker, int_settings) == 1
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"]) == ("shipped", "in_transit")
    assert public(sims, CODE, f"/orders/{ref}/carrier", step="delivered").status_code == 200
    assert await pull(worker, int_settings) == 1
    assert (await detail(client, farmer, order))["status"] == "delivered"
    assert (applied(sims, ref, "pack"), applied(sims, ref, "rts")) == (1, 1)


async def test_cancel_with_a_lazada_reason_once(client, accounts, worker, sims, int_settings):
    farmer, [(ref, order)] = await ordered(client, accounts, worker, sims, int_settings)
    answer = await act(client, farmer, order, "cancel", {"reason": "10000021"})
    assert answer.status_code == 202, answer.text
    await settle(worker, timeout=120)
    assert applied(sims, ref, "cancel") == 1
    assert sims[CODE].state.orders[ref].cancel_reason == "10000021"
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"]) == ("cancelled", "cancelled")


async def test_a_refused_cancel_shows_lazadas_reason_in_vietnamese(
    client, accounts, worker, sims, int_settings
):
    farmer, [(ref, order)] = await ordered(client, accounts, worker, sims, int_settings)
    # The carrier took the parcel on Lazada before our next pull: we still show it to ship.
    sims[CODE].state.config.faults = Faults()
    moved = httpx.post(f"{sims[CODE].url}/orders/{ref}/status", params={"status": "shipped"})
    assert moved.status_code == 200, moved.text
    assert (await act(client, farmer, order, "cancel", {"reason": "10000019"})).status_code == 202
    await settle(worker)
    shown = await detail(client, farmer, order)
    refusal = shown["last_refusal"]
    assert refusal["status"] == "failed" and refusal["kind"] == "cancel"
    assert refusal["reason_vi"].startswith(
        "Lazada không cho hủy: đơn đã giao cho đơn vị vận chuyển hoặc đã hủy. (Lazada: E0123:"
    )
    assert applied(sims, ref, "cancel") == 0
    assert (shown["status"], shown["stage"]) == ("shipped", "in_transit")  # read again after the refusal


async def test_every_step_lands_once_under_30_percent_faults(client, accounts, worker, sims, int_settings):
    farmer, orders = await ordered(client, accounts, worker, sims, int_settings, orders=6)
    state = sims[CODE].state
    state.config.faults = thirty_percent()
    for n, (_ref, order) in enumerate(orders):
        body = {"method": "dropoff", "branch_id": ""} if n % 2 else {"reason": "10000023"}
        answer = await act(client, farmer, order, "ship" if n % 2 else "cancel", body)
        assert answer.status_code == 202, answer.text
    await settle(worker, timeout=180)
    assert sum(state.injected.values()) > 0
    assert await OrderAction.count().where(OrderAction.status == "done") == len(orders)
    for n, (ref, order) in enumerate(orders):
        shown = await detail(client, farmer, order)
        if n % 2:
            assert (applied(sims, ref, "pack"), applied(sims, ref, "rts")) == (1, 1), ref
            assert (
                shown["stage"] == "to_pickup"
                and shown["tracking_number"] == state.orders[ref].tracking_number
            )
        else:
            assert applied(sims, ref, "cancel") == 1 and shown["stage"] == "cancelled", ref
