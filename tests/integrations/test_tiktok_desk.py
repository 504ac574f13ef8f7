"""The order desk on TikTok Shop over our API and the sync worker, against the TikTok simulator over
real HTTP: Ship Package at a pickup slot, the carrier's label as a PDF (A6 and the 80 mm roll),
in transit and delivered, each step applied once at the simulator even under 30 % injected faults;
TikTok's refusals shown in Vietnamese; ON_HOLD as its own desk stage.
"""

from __future__ import annotations

import httpx
import pytest

from integrations.adapters.base import Rejected
from integrations.adapters.desk import ShipmentChoice
from integrations.adapters.tiktok_orders import order_from_wire
from integrations.orders.pull import pull_orders
from integrations.orders.seller import order_account
from integrations.settings import IntegrationsSettings
from integrations.simulators.orders import set_stage
from integrations.simulators.state import Faults
from integrations.simulators.tiktok_fulfillment import package_id
from integrations.tables import OrderAction
from tests.integrations.desk_helpers import act, detail, order_id, ordered, public, settle
from tests.integrations.test_order_labels import assert_paper, pages
from tests.integrations.test_orders import deliver

CODE = "tiktok"


def applied(sims, order_ref: str, call: str) -> int:
    return sims[CODE].state.calls[(order_ref, call)]


async def pull(worker, int_settings) -> int:
    return await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings))


async def test_pickup_label_in_transit_and_delivered_each_once(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["allowed"]) == ("to_ship", ["cancel", "arrange_shipment"])
    no_label = await client.get(
        f"/api/v1/orders/{order}/label", params={"size": "a6"}, headers=farmer.headers
    )
    assert no_label.status_code == 409 and "sắp xếp giao hàng" in no_label.text
    options = await client.get(f"/api/v1/orders/{order}/shipping-options", headers=farmer.headers)
    assert options.status_code == 200, options.text
    offered = options.json()
    assert offered["dropoff"][0]["name"] == "Điểm gửi hàng của J&T Express"
    address = offered["pickup"][0]
    slot = address["slots"][0]
    choice = {"method": "pickup", "address_id": address["address_id"], "slot_id": slot["slot_id"]}
    shipped = await act(client, farmer, order, "ship", choice)
    assert shipped.status_code == 202, shipped.text
    await settle(worker)
    shown = await detail(client, farmer, order)
    sim_order = sims[CODE].state.orders[ref]
    assert (shown["stage"], shown["carrier"]) == ("to_pickup", "J&T Express")
    assert shown["tracking_number"] == sim_order.tracking_number != ""
    assert (sim_order.shipping_method, applied(sims, ref, "ship")) == ("pickup", 1)

    # The label: TikTok makes it on the first ask (11034037), the adapter asks again; then stored.
    for size in ("a6", "80mm"):
        label = await client.get(
            f"/api/v1/orders/{order}/label", params={"size": size}, headers=farmer.headers
        )
        assert label.status_code == 200, label.text
        assert label.headers["content-type"] == "application/pdf"
        (page,) = pages(label.content)
        assert_paper(page, size)
    again = await client.get(f"/api/v1/orders/{order}/label", params={"size": "a6"}, headers=farmer.headers)
    assert again.status_code == 200 and applied(sims, ref, "shipping_documents") == 2  # one per size

    # A repeated ship (a retry after a lost answer) finds the package PROCESSING: not shipped again.
    adapter = worker.adapters.get(CODE)
    account = await order_account(order, int_settings.section(IntegrationsSettings).credentials_key)
    repeat = await adapter.arrange_shipment(account, ref, ShipmentChoice("dropoff"), "again")
    assert (repeat.tracking_number, applied(sims, ref, "ship")) == (sim_order.tracking_number, 1)

    assert public(sims, CODE, f"/orders/{ref}/carrier", step="picked_up").status_code == 200
    assert await pull(worker, int_settings) == 1
    assert (await detail(client, farmer, order))["stage"] == "in_transit"
    assert public(sims, CODE, f"/orders/{ref}/carrier", step="delivered").status_code == 200
    assert await pull(worker, int_settings) == 1
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"]) == ("delivered", "delivered")
    assert [t["text_vi"] for t in shown["timeline"] if t["kind"] == "status"] == [
        "Đơn mới: Chờ gửi hàng",
        "Chờ lấy hàng",
        "Đang giao",
        "Đã giao",
    ]


async def test_every_step_lands_once_under_30_percent_faults(client, accounts, worker, sims, int_settings):
    farmer, _product, item, first, order = await ordered(
        client, accounts, worker, sims, int_settings, CODE, 1
    )
    refs, orders = [first], [order]
    for _ in range(5):
        ref = public(sims, CODE, f"/orders/{item}", quantity=1).json()["order_id"]
        assert await deliver(client, sims, int_settings, CODE) is True
        refs.append(ref)
        orders.append(await order_id(ref))
    state = sims[CODE].state
    state.config.faults = Faults(error_rate=0.1, throttle_rate=0.1, drop_rate=0.1, retry_after_s=0.05)
    for n, order in enumerate(orders):
        body = {"method": "dropoff"} if n % 2 else {"reason": "seller_cancel_reason_out_of_stock"}
        answer = await act(client, farmer, order, "ship" if n % 2 else "cancel", body)
        assert answer.status_code == 202, answer.text
    await settle(worker, timeout=120)
    assert sum(state.injected.values()) > 0
    assert await OrderAction.count().where(OrderAction.status == "done") == len(orders)
    for n, (ref, order) in enumerate(zip(refs, orders, strict=True)):
        shown = await detail(client, farmer, order)
        if n % 2:
            assert (applied(sims, ref, "ship"), shown["stage"]) == (1, "to_pickup"), ref
            assert shown["tracking_number"] == state.orders[ref].tracking_number != ""
        else:
            assert (applied(sims, ref, "cancel"), shown["stage"]) == (1, "cancelled"), ref
    # The carrier takes the shipped ones; the next pull brings each in transit once.
    for ref in refs[1::2]:
        assert public(sims, CODE, f"/orders/{ref}/carrier", step="picked_up").status_code == 200
    state.config.faults = Faults()
    assert await pull(worker, int_settings) == 3
    assert {(await detail(client, farmer, o))["stage"] for o in orders[1::2]} == {"in_transit"}


async def test_refused_steps_carry_tiktoks_reason_in_vietnamese(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    gone = {"method": "pickup", "address_id": "any", "slot_id": "1000-2000"}  # a slot TikTok no longer offers
    action = (await act(client, farmer, order, "ship", gone)).json()
    await settle(worker)
    answer = await client.get(f"/api/v1/orders/{order}/actions/{action['id']}", headers=farmer.headers)
    assert answer.json()["status"] == "failed"
    assert answer.json()["reason_vi"] == (
        "Khung giờ lấy hàng này không còn: hãy chọn khung giờ khác. "
        "(TikTok: The pickup time slot is not available.)"
    )
    assert applied(sims, ref, "ship") == 0 and (await detail(client, farmer, order))["stage"] == "to_ship"
    # Past the carrier's pickup TikTok prints no label (21023046): its reason, in Vietnamese.
    assert (await act(client, farmer, order, "ship", {"method": "dropoff"})).status_code == 202
    await settle(worker)
    assert public(sims, CODE, f"/orders/{ref}/carrier", step="picked_up").status_code == 200
    adapter = worker.adapters.get(CODE)
    account = await order_account(order, int_settings.section(IntegrationsSettings).credentials_key)
    with pytest.raises(Rejected) as refused:  # what the label route would show, in TikTok's reason
        await adapter.shipping_label(account, ref, "a6")
    assert refused.value.reason_vi == (
        "Đơn vị vận chuyển đã lấy kiện hàng: không in lại nhãn được nữa. "
        "(TikTok: The package has been shipped; documents cannot be printed.)"
    )


async def test_on_hold_is_its_own_stage_where_nothing_can_be_done_yet(
    client, accounts, worker, sims, int_settings
):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    state = sims[CODE].state
    set_stage(state, state.orders[ref], "on_hold")
    assert await pull(worker, int_settings) == 1
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"], shown["stage_vi"]) == (
        "placed",
        "on_hold",
        "Tạm giữ: chuẩn bị hàng",
    )
    assert shown["allowed"] == [] and shown["deadline_vi"].startswith("Cần gửi hàng trước ")
    refused = await act(client, farmer, order, "cancel", {"reason": "seller_cancel_reason_out_of_stock"})
    assert refused.status_code == 409
    assert (
        refused.json()["error"]["message"] == "Đơn đang ở trạng thái “Tạm giữ: chuẩn bị hàng”, không thể hủy."
    )
    inbox = (await client.get("/api/v1/orders/inbox", headers=farmer.headers)).json()
    assert [o["stage"] for o in inbox["orders"]] == ["on_hold"]  # still to handle: prepare the goods
    assert order_from_wire({"id": "1", "status": "ON_HOLD", "create_time": 1}).stage == "on_hold"
    assert package_id(state.orders[ref]).startswith("115")
    assert (
        httpx.get(
            f"{sims[CODE].url}/fulfillment-docs/{package_id(state.orders[ref])}/SHIPPING_LABEL"
        ).status_code
        == 404
    )


async def test_buyers_cancellation_request_approved_once(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    assert public(sims, CODE, f"/orders/{ref}/cancel-request").status_code == 200
    assert await deliver(client, sims, int_settings, CODE) is True
    assert await pull(worker, int_settings) in (0, 1)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["allowed"]) == ("cancel_requested", ["answer_cancellation"])
    rejected = await act(client, farmer, order, "cancellation", {"accept": False})
    await settle(worker)
    answer = await client.get(
        f"/api/v1/orders/{order}/actions/{rejected.json()['id']}", headers=farmer.headers
    )
    assert answer.json()["reason_vi"].startswith("Từ chối yêu cầu hủy trên TikTok Shop cần một lý do")
    sims[CODE].state.config.faults = Faults(
        error_rate=0.1, throttle_rate=0.1, drop_rate=0.1, retry_after_s=0.05
    )
    assert (await act(client, farmer, order, "cancellation", {"accept": True})).status_code == 202
    await settle(worker, timeout=120)
    assert (await detail(client, farmer, order))["stage"] == "cancelled"
    assert applied(sims, ref, "approve") == 1
