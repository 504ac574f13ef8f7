"""Rate limits without head-of-line blocking (issue 18, bug 3): a saturated marketplace never holds
the workers another one could use, a 429 waits without using an attempt, failures count per call."""

from __future__ import annotations

import dataclasses

from agrimarket.media.storage import build_storage
from integrations.sync import outbox
from integrations.tables import Listing, Marketplace, SyncJob
from tests.integrations.helpers import WEBP_PHOTO, connect, product_with_photo, publish
from tests.waiting import until

SHOPEE_RATE = 2.0  # calls per second; one publish on Shopee is 5 calls (2.7 s apart)


async def live_count(code: str) -> int:
    return await Listing.count().where((Listing.marketplace.code == code) & (Listing.state == "live"))


async def test_postmart_is_not_held_up_while_shopee_is_saturated(
    client, accounts, sims, int_settings, run_worker
):
    await Marketplace.update({Marketplace.rate_limit_per_s: SHOPEE_RATE}).where(Marketplace.code == "shopee")
    shopee = sims["shopee"].state
    # Registered a call under Shopee's own limit: on this shared test machine a stall of the
    # simulator's thread can bunch two paced calls into one of its seconds.
    shopee.config.rate_limit_per_s = SHOPEE_RATE + 1
    farmer = await accounts.household()
    await connect(client, farmer, "shopee", "880001")
    await connect(client, farmer, "postmart")
    storage = build_storage(int_settings)
    products = []
    for i in range(12):
        product = await product_with_photo(accounts, farmer, name=f"Rau {i}", unit_weight_g=300)
        await storage.put(f"p/{product['id']}.webp", WEBP_PHOTO, "image/webp")
        products.append(product)
    # Shopee's backlog is queued first: claimed by due time only, it would take every worker.
    for product in products[:6]:
        assert (await publish(client, farmer, product["id"], "shopee")).status_code == 202
    for product in products[6:]:
        assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202
    threaded = run_worker(concurrency=4)
    try:
        await until(lambda: _all_live("postmart", 6))
        shopee_live = await live_count("shopee")
        assert shopee_live <= 3, f"Postmart waited behind Shopee's backlog ({shopee_live} of 6 live)"
        await until(lambda: _all_live("shopee", 6))
    finally:
        threaded.stop()
    assert shopee.rate_limited == 0 and shopee.max_per_window <= SHOPEE_RATE + 1


async def _all_live(code: str, n: int) -> bool:
    return await live_count(code) == n


async def test_a_429_waits_without_using_an_attempt(client, accounts, worker, sims, run_worker):
    sim = sims["postmart"].state
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    sim.config.faults.throttle_rate, sim.config.faults.retry_after_s = 1.0, 0.05
    worker.settings = dataclasses.replace(worker.settings, max_attempts=1)  # one counted failure kills
    assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202
    threaded = run_worker(concurrency=2)
    try:
        await until(lambda: _throttled(sim, 4))
        job = await SyncJob.select().first()
        assert job["status"] != "dead" and job["attempts"] == 0
        assert "429" in job["last_error"]
        sim.config.faults.throttle_rate = 0.0
        await until(lambda: _all_live("postmart", 1))
    finally:
        threaded.stop()
    assert (await SyncJob.select().first())["status"] == "done"


async def _throttled(sim, n: int) -> bool:
    return sim.injected["throttle"] >= n


async def test_attempts_count_failures_per_call(client, accounts):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202

    async def fail_on(call: str, give_up_s: float = 0.0) -> bool:
        job = await outbox.claim(5.0)
        assert job is not None
        return await outbox.fail(job, f"HTTP 503 on {call}", call, 0.0, 2, give_up_s)

    # One failure each of two calls of the operation: one attempt used, not two.
    assert not await fail_on("POST /products")
    assert not await fail_on("PUT /products/{id}")
    assert (await SyncJob.select().first())["attempts"] == 1
    # The same call failing again uses the budget up: dead.
    assert await fail_on("POST /products")
    assert (await SyncJob.select().first())["status"] == "dead"


async def test_a_job_failing_for_less_than_the_give_up_time_does_not_die(client, accounts):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202
    for _ in range(5):
        job = await outbox.claim(5.0)
        assert not await outbox.fail(job, "HTTP 503", "POST /products", 0.0, 2, give_up_s=3600)
    job = await SyncJob.select().first()
    assert job["status"] == "queued" and job["attempts"] == 5


async def test_a_shopee_change_sends_only_the_calls_shopee_lacks(
    client, accounts, worker, sims, int_settings
):
    from tests.integrations.conftest import drain

    shopee = sims["shopee"].state
    farmer = await accounts.household()
    await connect(client, farmer, "shopee", "880001")
    product = await product_with_photo(accounts, farmer, unit_weight_g=300)
    await build_storage(int_settings).put(f"p/{product['id']}.webp", WEBP_PHOTO, "image/webp")
    assert (await publish(client, farmer, product["id"], "shopee")).status_code == 202
    await drain(worker)
    before = shopee.writes_applied
    # A price change: one write (update_price), so a retry after a failed call resends only what failed.
    await client.patch(f"/api/v1/products/{product['id']}", json={"price_vnd": 47000}, headers=farmer.headers)
    await drain(worker)
    item = next(iter(shopee.items.values()))
    assert item.fields["price"] == 47000 and shopee.writes_applied == before + 1
    assert (await Listing.select().first())["state"] == "live"
