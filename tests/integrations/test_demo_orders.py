"""The demo's order desk (what `make seed` adds before `make run`): orders in every desk stage for
the demo's sellers, through the simulators, the pull, the desk service and its outbox; the waybill
labels print."""

from __future__ import annotations

import io

from pypdf import PdfReader

from agrimarket import demo
from agrimarket.demo_data import MANAGER, PASSWORD, member_phone
from integrations import demo_orders
from integrations.adapters.desk import DESK_STAGES
from integrations.tables import MarketplaceOrder, OrderAction


async def test_demo_has_orders_in_every_stage_and_a_printable_label(
    client, accounts, worker, sims, int_settings
):
    lines = await demo.seed()
    # Outside development the seed leaves the orders to the caller's simulators (the tests').
    assert any("no demo orders outside development" in line for line in lines), lines
    urls = {code: sim.url for code, sim in sims.items()}
    lines = await demo_orders.seed_orders(int_settings, worker, urls)
    assert "demo orders on the desk" in lines[0], lines

    rows = await MarketplaceOrder.select(
        MarketplaceOrder.id,
        MarketplaceOrder.stage,
        MarketplaceOrder.tracking_number,
        MarketplaceOrder.fees_vnd,
        MarketplaceOrder.payout_vnd,
        MarketplaceOrder.cooperative,
        MarketplaceOrder.household,
    )
    stages = {row["stage"] for row in rows}
    # unpaid: Shopee's buyers pay at once here; on_hold: TikTok's buyers' free-cancellation window is
    # not simulated (orders arrive ready to ship).
    assert set(DESK_STAGES) - {"unpaid", "on_hold"} <= stages, stages
    coop_stages = {row["stage"] for row in rows if row["cooperative"]}
    assert set(demo_orders.STEPS) <= coop_stages  # the cooperative's desk alone has every stage
    assert any(row["household"] for row in rows)  # and the households have theirs
    # Every action the seed asked for was answered by the marketplace, none refused.
    assert {a["status"] for a in await OrderAction.select(OrderAction.status)} == {"done"}
    delivered = [row for row in rows if row["stage"] == "delivered"]
    assert delivered and all(row["fees_vnd"] and row["payout_vnd"] for row in delivered)
    ready = [row for row in rows if row["stage"] == "to_pickup"]
    assert ready and all(row["tracking_number"] for row in ready)
    # The cooperative's TikTok Shop orders: shipped through Ship Package, one on its way.
    tiktok = await MarketplaceOrder.select(MarketplaceOrder.stage, MarketplaceOrder.tracking_number).where(
        MarketplaceOrder.marketplace.code == "tiktok"
    )
    assert sorted(row["stage"] for row in tiktok) == ["in_transit", "to_pickup", "to_ship"]
    assert all(row["tracking_number"].startswith("852") for row in tiktok if row["stage"] != "to_ship")

    # The cooperative's Lazada orders: packed and made ready to ship on the desk, one on its way.
    lazada = await MarketplaceOrder.select(MarketplaceOrder.stage, MarketplaceOrder.tracking_number).where(
        MarketplaceOrder.marketplace.code == "lazada"
    )
    assert sorted(row["stage"] for row in lazada) == ["in_transit", "to_pickup", "to_ship"]
    assert all(row["tracking_number"] for row in lazada if row["stage"] != "to_ship")

    # The cooperative's manager opens a label: from our store, even with the simulators gone.
    for sim in sims.values():
        sim.close()
    manager = await accounts.login(MANAGER[0], PASSWORD)
    coop_ready = next(row for row in ready if row["cooperative"])
    label = await client.get(f"/api/v1/orders/{coop_ready['id']}/label", headers=manager.headers)
    assert label.status_code == 200, label.text
    assert label.headers["content-type"].startswith("application/pdf")
    assert len(PdfReader(io.BytesIO(label.content)).pages) == 1

    # The member household sees its own orders on its desk.
    member = await accounts.login(member_phone(0), PASSWORD)
    inbox = await client.get("/api/v1/orders/inbox", headers=member.headers)
    assert inbox.status_code == 200 and inbox.json()["orders"], inbox.text
    assert await demo_orders.seed() == [
        "Orders: no demo orders outside development (the simulators are not mounted)."
    ]
