"""The sync under the faults that broke it (issue 18), over real HTTP against the simulators."""

from __future__ import annotations

import asyncio

import httpx

from integrations.tables import Listing, ListingHistory, SyncJob
from tests.integrations.helpers import connect, product_with_photo


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
