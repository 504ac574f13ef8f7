"""The demo (what `make run` seeds) connects the cooperative to the simulated Lazada and TikTok Shop
like the other marketplaces: its first products go live there through the real worker and adapters,
and the demo's buyers' orders on those listings reach the cooperative's order desk."""

from __future__ import annotations

import random

from agrimarket import demo
from agrimarket.demo_data import MANAGER, PASSWORD
from integrations.demo import LAZADA_SHOP, SHOPEE_PRODUCTS, TIKTOK_SHOP
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.simulators import buyers
from integrations.tables import Listing, MarketplaceAccount
from tests.integrations.conftest import drain


async def test_demo_cooperative_sells_on_lazada_and_tiktok(client, accounts, worker, sims, int_settings):
    await demo.seed()
    await drain(worker, timeout=120)
    for code, shop in (("lazada", LAZADA_SHOP), ("tiktok", TIKTOK_SHOP)):
        account = await MarketplaceAccount.select(
            MarketplaceAccount.needs_attention, MarketplaceAccount.owner_cooperative
        ).where((MarketplaceAccount.marketplace.code == code) & (MarketplaceAccount.shop_id == shop))
        assert len(account) == 1 and account[0]["owner_cooperative"] and not account[0]["needs_attention"]
        live = await Listing.select(Listing.external_id).where(
            (Listing.marketplace.code == code) & (Listing.state == "live") & Listing.external_id.is_not_null()
        )  # (the demo's history adds past listings of its own, with no item on the marketplace)
        assert len(live) == SHOPEE_PRODUCTS, code
        items = sims[code].state.live_items(shop)
        assert {item.id for item in items} == {row["external_id"] for row in live}
        # A demo buyer orders there (as during `make run`): the order reaches the cooperative's desk.
        ordered = await buyers.one_step(sims[code].state, random.Random(7))
        assert ordered is not None and ordered.shop_id == shop
    assert await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings)) == 2
    manager = await accounts.login(MANAGER[0], PASSWORD)
    inbox = (await client.get("/api/v1/orders/inbox", headers=manager.headers)).json()
    assert {o["marketplace_code"] for o in inbox["orders"]} == {"lazada", "tiktok"}
    page = await client.get("/api/v1/marketplace-accounts", headers=manager.headers)
    assert {"lazada", "tiktok"} <= {a["marketplace"] for a in page.json()}, page.text
