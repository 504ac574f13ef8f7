"""Accounts, listings and the outbox through the API, synced by the worker over real HTTP."""

from __future__ import annotations

import json
import time

from agrimarket.accounts.actor import Role
from integrations.settings import IntegrationsSettings
from integrations.tables import Listing, ListingHistory, MarketplaceAccount, SyncJob
from integrations.webhooks.signature import sign
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish


async def test_publish_then_live_with_link(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    stored = await MarketplaceAccount.select().first()
    assert "api_secret" not in stored["credentials_encrypted"]  # encrypted at rest
    product = await product_with_photo(accounts, farmer)
    response = await publish(client, farmer, product["id"], "postmart")
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "pending"
    assert await SyncJob.count() == 1
    await drain(worker)
    listing = (await client.get(f"/api/v1/products/{product['id']}/listings", headers=farmer.headers)).json()[
        0
    ]
    assert listing["state"] == "live" and listing["external_url"].startswith(sims["postmart"].url)
    # The storefront the farmer's link points to shows the item.
    assert any(i.status == "live" for i in sims["postmart"].state.live_items("shop-1"))
    # A price change propagates; archiving delists.
    await client.patch(f"/api/v1/products/{product['id']}", json={"price_vnd": 22000}, headers=farmer.headers)
    await drain(worker)
    item = next(iter(sims["postmart"].state.items.values()))
    assert item.fields["price"] == 22000
    await client.patch(
        f"/api/v1/products/{product['id']}", json={"status": "archived"}, headers=farmer.headers
    )
    await drain(worker)
    assert item.status == "delisted"
    states = [r["to_state"] for r in await ListingHistory.select().order_by(ListingHistory.id)]
    assert states == ["pending", "live", "delisted"]


async def test_needs_an_account_and_scope(client, accounts):
    farmer = await accounts.household()
    other = await accounts.household()
    product = await product_with_photo(accounts, farmer)
    refused = await publish(client, farmer, product["id"], "voso")
    assert refused.status_code == 422
    assert "Voso" in refused.json()["error"]["message"]
    await connect(client, other, "voso", "shop-9")
    assert (await publish(client, other, product["id"], "voso")).status_code == 404


async def test_cooperative_account_carries_member_products(client, accounts, worker, sims):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    await connect(client, manager, "voso", "htx-1")
    member_id = (await client.get("/api/v1/me", headers=member.headers)).json()["household_id"]
    product = await product_with_photo(accounts, manager, owner_household_id=member_id)
    assert (await publish(client, manager, product["id"], "voso")).status_code == 202
    # The member sees the listing too, and the history names the member's household.
    assert (await client.get(f"/api/v1/products/{product['id']}/listings", headers=member.headers)).json()
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live" and listing["household"] == member_id
    assert sims["voso"].state.live_items("htx-1")


async def test_rejected_reason_then_retry(client, accounts, worker):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await accounts.product(farmer)  # no photo: the marketplace refuses it
    listing = (await publish(client, farmer, product["id"], "postmart")).json()
    await drain(worker)
    row = await Listing.select().first()
    assert row["state"] == "rejected" and "ảnh" in row["reason_vi"]
    page = await client.post(f"/products/{product['id']}/listings", headers=farmer.headers)
    from agrimarket.tables import ProductPhoto

    await ProductPhoto.insert(
        ProductPhoto(product=product["id"], image_key="a.webp", thumb_key="t", width=1, height=1)
    )
    assert (
        await client.post(f"/api/v1/listings/{listing['id']}/retry", headers=farmer.headers)
    ).status_code == 202
    await drain(worker)
    assert (await Listing.select().first())["state"] == "live"
    assert page is not None


async def test_dead_job_visible_to_admin_and_retried(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    await publish(client, farmer, product["id"], "postmart")
    sims["postmart"].state.config.faults.error_rate = 1.0
    worker.settings = __import__("dataclasses").replace(worker.settings, max_attempts=2)
    await drain(worker)
    admin = await accounts.staff(Role.ADMIN)
    dead = (await client.get("/api/v1/sync-jobs?status=dead", headers=admin.headers)).json()
    assert len(dead) == 1 and "503" in dead[0]["last_error"]
    assert (await client.get("/api/v1/sync-jobs", headers=farmer.headers)).status_code == 403
    sims["postmart"].state.config.faults.error_rate = 0.0
    assert (
        await client.post(f"/api/v1/sync-jobs/{dead[0]['id']}/retry", headers=admin.headers)
    ).status_code == 202
    await drain(worker)
    assert (await Listing.select().first())["state"] == "live"


async def test_takedown_by_webhook_and_by_pull(client, accounts, worker, sims, int_settings):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    await connect(client, farmer, "voso", "v-1")
    product = await product_with_photo(accounts, farmer)
    await publish(client, farmer, product["id"], "postmart")
    await publish(client, farmer, product["id"], "voso")
    await drain(worker)
    rows = {r["marketplace"]: r for r in await Listing.select()}
    assert len(rows) == 2
    # Push: a signed webhook; a bad signature is refused.
    postmart = await Listing.select().where(Listing.marketplace.code == "postmart").first()
    body = json.dumps(
        {"external_id": postmart["external_id"], "status": "removed", "reason": "Ảnh sai"}
    ).encode()
    assert (
        await client.post("/api/v1/webhooks/postmart", content=body, headers={"X-Signature": "0"})
    ).status_code == 401
    signature = sign(int_settings.section(IntegrationsSettings).webhook_secret, body, int(time.time()))
    ok = await client.post("/api/v1/webhooks/postmart", content=body, headers={"X-Signature": signature})
    assert ok.status_code == 200
    # Pull: moderation on Voso, seen by reconciliation.
    voso = await Listing.select().where(Listing.marketplace.code == "voso").first()
    sims["voso"].state.items[voso["external_id"]].status = "delisted"
    assert await worker.reconcile_once() == 1
    for row in await Listing.select():
        assert row["state"] == "delisted"
    history = await ListingHistory.select().where(ListingHistory.to_state == "delisted")
    assert len(history) == 2 and all(h["at"] for h in history)
