"""The order desk's actions on Shopee (no confirm step; it keeps no idempotency keys, so its adapter
asks for the order first), over our API and the sync worker against the Shopee simulator: drop-off
and the SPX waybill, delivery, escrow fees and the payout by month; a cancellation and its stock
put back; every action applied once under 30 % injected faults.
"""

from __future__ import annotations

from agrimarket import clock
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.simulators.state import Faults
from integrations.tables import MarketplaceOrder, OrderAction
from tests.agrimarket.test_web_pages import web_login
from tests.integrations.desk_helpers import act, detail, order_id, ordered, public, settle
from tests.integrations.test_orders import deliver, stock

CODE = "shopee"


def applied(sims, order_sn: str, call: str) -> int:
    return sims[CODE].state.desk_applied[(order_sn, call)]


async def test_dropoff_waybill_delivery_and_payout(client, accounts, worker, sims, int_settings):
    farmer, _product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["allowed"]) == ("to_ship", ["cancel", "arrange_shipment"])
    assert shown["deadline_vi"].startswith("Cần gửi hàng trước ")
    assert (await act(client, farmer, order, "confirm")).json()["error"]["message"] == (
        "Đơn đang ở trạng thái “Chờ gửi hàng”, không thể xác nhận."
    )
    options = await client.get(f"/api/v1/orders/{order}/shipping-options", headers=farmer.headers)
    assert options.status_code == 200, options.text
    branch = options.json()["dropoff"][0]["branch_id"]
    shipped = await act(client, farmer, order, "ship", {"method": "dropoff", "branch_id": branch})
    assert shipped.status_code == 202, shipped.text
    await settle(worker)
    shown = await detail(client, farmer, order)
    assert (shown["stage"], shown["carrier"]) == ("to_pickup", "SPX Express")
    assert shown["tracking_number"] == sims[CODE].state.orders[ref].tracking_number != ""
    assert applied(sims, ref, "ship_order") == 1
    # Had the carrier given no number yet, the next pull asks for it (get_tracking_number).
    waybill = shown["tracking_number"]
    await MarketplaceOrder.update({MarketplaceOrder.tracking_number: ""}).where(MarketplaceOrder.id == order)
    pull = worker.adapters, int_settings.section(IntegrationsSettings)
    assert await pull_orders(*pull) == 0
    assert (await detail(client, farmer, order))["tracking_number"] == waybill

    for step in ("picked_up", "delivered"):
        assert public(sims, CODE, f"/orders/{ref}/carrier", step=step).status_code == 200
    assert await pull_orders(*pull) == 1  # straight to delivered; the escrow is read after it
    shown = await detail(client, farmer, order)
    assert (shown["status"], shown["stage"]) == ("delivered", "delivered")
    assert shown["money"] == {
        "amount_vnd": 100_000,
        "fees_vnd": 9_000,
        "payout_vnd": 91_000,
        "paid_out": True,
    }
    assert [t["text_vi"] for t in shown["timeline"] if t["kind"] == "status"] == [
        "Đơn mới: Chờ gửi hàng",
        "Chờ lấy hàng",
        "Đã giao",
    ]
    months = (await client.get("/api/v1/orders/payouts", headers=farmer.headers)).json()
    assert months[0] == {
        "month": clock.today().strftime("%Y-%m"),
        "paid_vnd": 91_000,
        "pending_vnd": 0,
        "orders": 1,
    }
    # The orders page's monthly table shows the same: paid out 91.000 đ, nothing pending.
    await web_login(client, farmer.phone)
    page = (await client.get("/orders")).text
    row = page.split(f'data-testid="month-{months[0]["month"]}">', 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>", 1)[0] for cell in row.split("<td>")[1:]]
    assert [cells[3], cells[4]] == ["91.000 đ", "0 đ"]


async def test_cancel_with_shopee_reason_and_restock(client, accounts, worker, sims, int_settings):
    farmer, product, _item, ref, order = await ordered(client, accounts, worker, sims, int_settings, CODE, 3)
    assert await stock(product["id"]) == 7
    months = (await client.get("/api/v1/orders/payouts", headers=farmer.headers)).json()
    assert (months[0]["paid_vnd"], months[0]["pending_vnd"]) == (0, 150_000)  # expected, fees unknown
    assert (await act(client, farmer, order, "cancel", {"reason": "OUT_OF_STOCK"})).status_code == 202
    await settle(worker)
    assert applied(sims, ref, "cancel_order") == 1
    assert (await detail(client, farmer, order))["allowed"] == ["restock"]
    assert (await client.post(f"/api/v1/orders/{order}/restock", headers=farmer.headers)).status_code == 200
    assert await stock(product["id"]) == 10
    assert await deliver(client, sims, int_settings, CODE) is False  # Shopee's push of it: nothing new


async def test_every_action_lands_once_under_30_percent_faults(client, accounts, worker, sims, int_settings):
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
        body = {"method": "dropoff", "branch_id": "7001"} if n % 2 else {"reason": "OUT_OF_STOCK"}
        answer = await act(client, farmer, order, "ship" if n % 2 else "cancel", body)
        assert answer.status_code == 202, answer.text
    await settle(worker, timeout=120)
    assert sum(state.injected.values()) > 0
    assert await OrderAction.count().where(OrderAction.status == "done") == len(orders)
    for n, (ref, order) in enumerate(zip(refs, orders, strict=True)):
        shown = await detail(client, farmer, order)
        if n % 2:
            assert applied(sims, ref, "ship_order") == 1 and shown["stage"] == "to_pickup", ref
            assert shown["tracking_number"] == state.orders[ref].tracking_number != ""
        else:
            assert applied(sims, ref, "cancel_order") == 1 and shown["stage"] == "cancelled", ref
