"""The sync under the faults that broke it (issue 18), over real HTTP against the simulators."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from integrations.tables import Listing, ListingHistory, SyncJob
from tests.integrations.conftest import drain
from tests.integrations.helpers import WEBP_PHOTO, connect, product_with_photo, publish

SHOPS = {"postmart": "shop-1", "voso": "shop-1", "shopee": "880001"}


async def test_a_double_tap_on_publish_answers_the_same_listing_twice(client, accounts, live_app):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    products = [await product_with_photo(accounts, farmer, name=f"Rau {i}") for i in range(8)]
    async with httpx.AsyncClient(base_url=live_app, headers=farmer.headers, timeout=30) as phone:
        for product in products:
            taps = [
                phone.post(f"/api/v1/products/{product['id']}/listings", json={"marketplace": "postmart"})
                for _ in range(2)
            ]
            first, second = await asyncio.gather(*taps)
            assert (first.status_code, second.status_code) == (202, 202), (first.text, second.text)
            assert first.json()["id"] == second.json()["id"]
    assert await Listing.count() == len(products)
    assert await SyncJob.count() == len(products)
    assert await ListingHistory.count() == len(products)  # one "pending" each


async def listed_product(client, accounts, int_settings, code: str) -> tuple:
    """A farmer with an account on ``code`` and a product Shopee would take too (weight, stored photo)."""
    from agrimarket.media.storage import build_storage

    farmer = await accounts.household()
    await connect(client, farmer, code, SHOPS[code])
    product = await product_with_photo(accounts, farmer, unit_weight_g=300)
    await build_storage(int_settings).put(f"p/{product['id']}.webp", WEBP_PHOTO, "image/webp")
    assert (await publish(client, farmer, product["id"], code)).status_code == 202
    return farmer, product


@pytest.mark.parametrize("code", ["postmart", "voso", "shopee"])
async def test_an_archive_after_a_lost_create_answer_takes_the_item_down(
    client, accounts, worker, sims, int_settings, code
):
    sim = sims[code].state
    farmer, product = await listed_product(client, accounts, int_settings, code)
    sim.config.faults.drop_rate = 1.0  # the marketplace stores the item, the answer never arrives
    assert await worker.run_one()
    assert len(sim.items) == 1 and (await Listing.select().first())["external_id"] is None
    sim.config.faults.drop_rate = 0.0
    archived = await client.patch(
        f"/api/v1/products/{product['id']}", json={"status": "archived"}, headers=farmer.headers
    )
    assert archived.status_code == 200, archived.text
    await drain(worker)
    item = next(iter(sim.items.values()))
    assert item.status == "delisted", "the withdrawn product is still on sale"
    listing = await Listing.select().first()
    assert listing["state"] == "delisted" and listing["external_id"] == item.id
