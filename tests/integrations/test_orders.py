"""Orders from the marketplaces, over real HTTP against the simulators, with known answers.

The story (fish at 50,000 đ/kg, 10 kg in stock, listed on one marketplace):
- order 1: 2 kg, pushed by webhook (twice) and pulled: one order, stock 8; shipped, then a late
  "placed" changes nothing; delivered.
- order 2: 3 kg, its webhook lost: the pull finds it, stock 5; then cancelled: stock stays 5.
- order 3: 1 kg, cancelled before anyone told us: pulled as cancelled, the stock is not touched.
- order 4: 1 kg, delivered then returned: stock 4 (a return gives nothing back automatically).
Revenue this month: order 1 only (100,000 đ); orders counted: 1, 2 is cancelled, 3 cancelled, 4
returned → 2 orders (1 and 4), revenue 100,000 đ.
"""

from __future__ import annotations

import time

import httpx
import pytest

from agrimarket.tables import AuditEntry, Product
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.tables import Listing, MarketplaceOrder, MarketplaceSale, OrderItem, OrderStatusChange
from integrations.webhooks.signature import sign
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish
from tests.integrations.test_shopee_sync import photo_in_storage
from tests.waiting import until

SHOPS = {"postmart": "shop-1", "voso": "shop-1", "shopee": "880001", "tiktok": "7495000000000000042"}


async def live_listing(client, accounts, worker, int_settings, code: str):
    farmer = await accounts.household()
    await connect(client, farmer, code, SHOPS[code])
    product = await product_with_photo(
        accounts, farmer, name="Cá song", unit="kg", price_vnd=50_000, stock=10
    )
    await photo_in_storage(int_settings, product["id"])
    assert (await publish(client, farmer, product["id"], code)).status_code == 202
    await drain(worker)
    listing = await Listing.select().where(Listing.product == product["id"]).first()
    assert listing["state"] == "live", listing
    return farmer, product, listing["external_id"]


def buy(sims, code: str, item: str, quantity: int) -> str:
    """A buyer orders on the simulated marketplace; its order id."""
    answer = httpx.post(f"{sims[code].url}/orders/{item}", params={"quantity": quantity})
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


def move(sims, code: str, order: str, status: str) -> None:
    answer = httpx.post(f"{sims[code].url}/orders/{order}/status", params={"status": status})
    assert answer.status_code == 200, answer.text


async def deliver(client, sims, int_settings, code: str, event_index: int = -1) -> bool:
    """Deliver one of the simulator's pushed events to our webhook, signed with our secret."""
    body, _ = sims[code].state.sent[event_index]
    signature = sign(
        int_settings.section(IntegrationsSettings).webhook_secret_for(code), body, int(time.time())
    )
    told = await client.post(f"/api/v1/webhooks/{code}", content=body, headers={"X-Signature": signature})
    assert told.status_code == 200, told.text
    return told.json()["counted"]


async def stock(product_id: int) -> int:
    return (await Product.select(Product.stock).where(Product.id == product_id).first())["stock"]


async def statuses(order_ref: str) -> list[tuple[str | None, str, str]]:
    order = (
        await MarketplaceOrder.select(MarketplaceOrder.id)
        .where(MarketplaceOrder.order_ref == order_ref)
        .first()
    )
    rows = (
        await OrderStatusChange.select()
        .where(OrderStatusChange.order == order["id"])
        .order_by(OrderStatusChange.id)
    )
    return [(r["from_status"], r["to_status"], r["source"]) for r in rows]


async def test_orders_by_webhook_and_pull_count_once(client, accounts, worker, sims, int_settings):
    farmer, product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    pull = worker.adapters, int_settings.section(IntegrationsSettings)

    first = buy(sims, "postmart", item, 2)
    assert await deliver(client, sims, int_settings, "postmart") is True
    assert await deliver(client, sims, int_settings, "postmart") is False  # the same push again
    assert await pull_orders(*pull) == 0  # and by pull: the same order, the same status
    assert await MarketplaceOrder.count() == 1 and await stock(product["id"]) == 8
    order = await MarketplaceOrder.select().first()
    assert (order["amount_vnd"], order["status"], order["household"]) == (
        100_000,
        "placed",
        farmer.me["household_id"],
    )
    assert await OrderItem.select(OrderItem.quantity, OrderItem.price_vnd, OrderItem.product) == [
        {"quantity": 2, "price_vnd": 50_000, "product": product["id"]}
    ]

    move(sims, "postmart", first, "shipped")
    assert await deliver(client, sims, int_settings, "postmart") is True
    assert await deliver(client, sims, int_settings, "postmart", 0) is False  # a late "placed"
    move(sims, "postmart", first, "delivered")
    assert await pull_orders(*pull) == 1  # the delivery, seen by pull before its webhook
    assert await deliver(client, sims, int_settings, "postmart") is False
    assert await statuses(first) == [
        (None, "placed", "webhook"),
        ("placed", "shipped", "webhook"),
        ("shipped", "delivered", "pull"),
    ]

    second = buy(sims, "postmart", item, 3)  # its webhook is lost
    assert await pull_orders(*pull) == 1
    assert await stock(product["id"]) == 5
    move(sims, "postmart", second, "cancelled")
    assert await deliver(client, sims, int_settings, "postmart") is True
    assert await stock(product["id"]) == 5  # a cancellation gives nothing back, nor takes again

    third = buy(sims, "postmart", item, 1)
    move(sims, "postmart", third, "cancelled")  # cancelled before we heard of it
    assert await pull_orders(*pull) == 1
    assert await statuses(third) == [(None, "cancelled", "pull")]
    assert await stock(product["id"]) == 5

    fourth = buy(sims, "postmart", item, 1)
    assert await deliver(client, sims, int_settings, "postmart") is True
    move(sims, "postmart", fourth, "delivered")
    move(sims, "postmart", fourth, "returned")
    assert await pull_orders(*pull) == 1  # straight to returned: a pull may skip steps
    assert await stock(product["id"]) == 4
    assert await MarketplaceOrder.count() == 4
    assert await MarketplaceSale.count() == 3  # orders 1, 2 and 4 took stock; 3 never did

    mine = await client.get("/api/v1/orders", headers=farmer.headers)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    shown = {o["order_ref"]: o for o in body["orders"]}
    assert {ref: o["status"] for ref, o in shown.items()} == {
        first: "delivered",
        second: "cancelled",
        third: "cancelled",
        fourth: "returned",
    }
    assert shown[first]["items"] == [
        {"product_id": product["id"], "product_name": "Cá song", "quantity": 2, "price_vnd": 50_000}
    ]
    assert body["months"][0]["orders"] == 2  # 1 and 4; cancelled ones do not count
    assert body["months"][0]["revenue_vnd"] == 100_000  # the return is paid back
    stranger = await accounts.household(name="Lê Thị Mai")
    assert (await client.get("/api/v1/orders", headers=stranger.headers)).json()["orders"] == []
    # The audit log: each order's arrival and each status change, by the system.
    logged = await AuditEntry.select(AuditEntry.action, AuditEntry.role).where(AuditEntry.entity == "order")
    assert sorted(e["action"] for e in logged) == ["placed"] * 4 + ["status"] * 4
    assert {e["role"] for e in logged} == {"system"}


@pytest.mark.parametrize("code", ["voso", "shopee"])
async def test_pull_speaks_each_marketplace(client, accounts, worker, sims, int_settings, code):
    _farmer, product, item = await live_listing(client, accounts, worker, int_settings, code)
    ordered = buy(sims, code, item, 2)
    move(sims, code, ordered, "shipped")
    assert await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings)) == 1
    order = await MarketplaceOrder.select().first()
    assert (order["order_ref"], order["status"], order["amount_vnd"]) == (ordered, "shipped", 100_000)
    assert await stock(product["id"]) == 8
    assert await deliver(client, sims, int_settings, code, 0) is False  # its "placed" push, late
    assert await deliver(client, sims, int_settings, code) is False  # "shipped": known already


async def test_the_farmer_sees_orders_on_the_phone(client, accounts, worker, sims, int_settings):
    from tests.agrimarket.test_web_pages import web_login

    farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    buy(sims, "postmart", item, 2)
    await deliver(client, sims, int_settings, "postmart")
    await web_login(client, farmer.phone)
    page = await client.get("/orders")
    assert page.status_code == 200
    # The inbox names where the order stands on the desk: Postmart asks the seller to accept it first.
    assert "Cá song × 2" in page.text and "Chờ xác nhận" in page.text
    assert "Tháng này" in page.text and "100.000" in page.text


async def test_malformed_order_events_are_refused(client, int_settings):
    import json

    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    for event in (
        {
            "type": "order",
            "order_id": "X-1",
            "status": "lost",
            "placed_at": 1,
            "items": [{"external_id": "a", "quantity": 1}],
        },
        {"type": "order", "order_id": "X-1", "status": "placed", "placed_at": 1, "items": []},
        {
            "type": "order",
            "order_id": "X-1",
            "status": "placed",
            "placed_at": 1,
            "items": [{"external_id": "a", "quantity": 0}],
        },
        {"type": "sale", "order_id": "", "external_id": "a", "quantity": 1},
    ):
        body = json.dumps(event).encode()
        signature = sign(secret, body, int(time.time()))
        told = await client.post(
            "/api/v1/webhooks/postmart", content=body, headers={"X-Signature": signature}
        )
        assert told.status_code == 422, (event, told.text)
        assert "đơn hàng" in told.json()["error"]["message"]
    assert await MarketplaceOrder.count() == 0


async def test_the_demo_buyers_place_ask_to_cancel_and_the_carrier_moves_parcels():
    import asyncio

    from integrations.simulators import buyers, desk
    from integrations.simulators import orders as order_book
    from integrations.simulators.state import Item, SimConfig, SimState

    state = SimState("voso", SimConfig())
    fields = {"name": "Cá song", "price": 50_000, "stock": 60, "images": [], "description": "", "unit": "kg"}
    state.items["VS1"] = Item("VS1", "shop-1", "agm-1", fields, 1, "live")
    # The farmer's part, which the buyers never take: a few orders confirmed and handed to the carrier.
    for _ in range(4):
        shipped = order_book.place(state, state.items["VS1"], 1)
        assert desk.confirm(state, shipped) is None and desk.arrange(state, shipped, "dropoff") is None
    stop = asyncio.Event()
    traffic = asyncio.create_task(buyers.generate(state, 0.0, stop))  # no pause between steps

    def busy() -> bool:
        stages = {o.stage for o in state.orders.values()}
        return (
            len(state.sent) >= 20
            and "cancel_requested" in stages
            and stages & {"delivered", "returned"} != set()
        )

    # Enough steps that orders were placed, asked to cancel and carried, however fast this machine is.
    await until(busy, timeout=30)
    stop.set()
    await traffic
    assert state.orders and len(state.sent) >= len(state.orders) - 4
    assert all(
        o.stage not in ("to_ship", "to_pickup") for o in state.orders.values() if o.tracking_number == ""
    )
    ordered = sum(line["quantity"] for o in state.orders.values() for line in o.lines)
    assert state.items["VS1"].fields["stock"] == 60 - ordered >= 0  # never sells what is not there
    assert order_book.changed_since(state, "shop-1", 0) and not order_book.changed_since(state, "other", 0)
