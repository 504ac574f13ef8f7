"""The demo (what `make run` seeds) puts the cooperative's products live on the simulated Shopee with
a 50 % stock share, through the real worker and the Shopee adapter."""

from __future__ import annotations

from agrimarket import demo
from agrimarket.tables import Product
from integrations.demo import SHOPEE_SHOP
from integrations.tables import Listing
from tests.integrations.conftest import drain


async def test_demo_product_live_on_shopee_with_its_share(client, worker, sims):
    await demo.seed()
    await drain(worker, timeout=120)
    shopee = await Listing.select(
        Listing.product, Listing.state, Listing.external_id, Listing.share_percent
    ).where((Listing.marketplace.code == "shopee") & Listing.external_id.is_not_null())
    assert shopee and all(row["state"] == "live" and row["share_percent"] == 50 for row in shopee)
    items = sims["shopee"].state.live_items(SHOPEE_SHOP)
    assert len(items) == len(shopee)
    for row in shopee:
        stock = (await Product.select(Product.stock).where(Product.id == row["product"]).first())["stock"]
        item = sims["shopee"].state.items[row["external_id"]]
        assert (
            item.fields["stock"] == stock // 2
            and item.fields["weight_kg"] > 0
            and item.fields["logistic_ids"]
        )
