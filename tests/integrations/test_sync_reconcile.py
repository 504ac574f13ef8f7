"""Reconciliation under faults (issue 18, bug 2): our own delist is never taken for a takedown,
and a newer version is never overridden; a takedown is what the marketplace says it is."""

from __future__ import annotations

import httpx
import pytest

from integrations.adapters.base import RemoteListing
from integrations.listings import service as listings
from integrations.tables import Listing, ListingHistory
from tests.integrations.conftest import drain
from tests.integrations.helpers import WEBP_PHOTO, connect, product_with_photo, publish


async def live_listing(
    client, accounts, worker, code: str = "postmart", shop: str = "shop-1", int_settings=None
) -> tuple:
    farmer = await accounts.household()
    await connect(client, farmer, code, shop)
    product = await product_with_photo(accounts, farmer, unit_weight_g=300)  # Shopee needs a weight
    if int_settings is not None:  # and the photo's bytes, which it uploads
        from agrimarket.media.storage import build_storage

        webp = WEBP_PHOTO
        await build_storage(int_settings).put(f"p/{product['id']}.webp", webp, "image/webp")
    assert (await publish(client, farmer, product["id"], code)).status_code == 202
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live"
    return farmer, product, listing


async def test_a_relist_after_a_lost_delete_answer_is_not_undone_by_reconciliation(
    client, accounts, worker, sims
):
    sim = sims["postmart"].state
    farmer, product, listing = await live_listing(client, accounts, worker)
    item = sim.items[listing["external_id"]]
    # Archive: the DELETE reaches Postmart, its answer is cut.
    sim.config.faults.drop_rate = 1.0
    url = f"/api/v1/products/{product['id']}"
    assert (await client.patch(url, json={"status": "archived"}, headers=farmer.headers)).status_code == 200
    assert await worker.run_one()
    assert item.status == "delisted"
    # Relist at once, while every write gets 503.
    sim.config.faults.drop_rate, sim.config.faults.error_rate = 0.0, 1.0
    assert (await client.patch(url, json={"status": "active"}, headers=farmer.headers)).status_code == 200
    relisted = await publish(client, farmer, product["id"], "postmart")
    assert relisted.status_code == 202 and relisted.json()["version"] == 3
    assert await worker.run_one()  # the PUT of version 3: 503, backing off
    # Reconciliation sees the item delisted (by our own DELETE): not a takedown, and not over version 3.
    assert await worker.reconcile_once() == 0
    row = await Listing.select().first()
    assert row["wanted"] == "live" and row["reason_vi"] == "" and row["version"] == 3
    assert not await ListingHistory.exists().where(ListingHistory.to_state == "delisted")
    sim.config.faults.error_rate = 0.0
    await drain(worker)
    assert item.status == "live" and item.version == 3, "the farmer's relist was lost"
    row = await Listing.select().first()
    assert row["state"] == "live" and row["synced_version"] == 3


@pytest.mark.parametrize("code,shop", [("postmart", "shop-1"), ("voso", "shop-1"), ("shopee", "880001")])
async def test_a_moderation_takedown_is_declared_with_the_marketplace_reason(
    client, accounts, worker, sims, int_settings, code, shop
):
    _, _, listing = await live_listing(client, accounts, worker, code, shop, int_settings)
    async with httpx.AsyncClient(base_url=sims[code].url) as marketplace:
        taken = await marketplace.post(
            f"/moderation/{listing['external_id']}/takedown", params={"reason": "Ảnh không đúng sản phẩm"}
        )
        assert taken.status_code == 200
    assert await worker.reconcile_once() == 1
    row = await Listing.select().first()
    assert row["state"] == "delisted" and row["wanted"] == "delisted"
    # In the marketplace's words: its reason (Shopee reports only the status).
    assert row["reason_vi"] == ("Shopee: BANNED" if code == "shopee" else "Ảnh không đúng sản phẩm")


async def test_an_item_the_seller_unlisted_is_recorded_delisted_but_not_as_a_takedown(
    client, accounts, worker, sims
):
    _, _, listing = await live_listing(client, accounts, worker)
    sims["postmart"].state.items[listing["external_id"]].status = "delisted"  # in Postmart's back office
    assert await worker.reconcile_once() == 1
    row = await Listing.select().first()
    assert row["state"] == "delisted" and row["wanted"] == "live"
    assert "gỡ sản phẩm" not in row["reason_vi"]


async def test_what_reconciliation_read_is_not_written_over_a_newer_version(client, accounts, worker, sims):
    farmer, product, listing = await live_listing(client, accounts, worker)
    seen = listing["version"]
    await client.patch(f"/api/v1/products/{product['id']}", json={"price_vnd": 31000}, headers=farmer.headers)
    down = RemoteListing(listing["external_id"], "", "delisted", "Gỡ", "Removed", taken_down=True)
    assert not await listings.reconciled(listing["id"], seen, down)  # read for version 1, now 2
    row = await Listing.select().first()
    assert row["state"] == "live" and row["wanted"] == "live" and row["version"] == seen + 1
