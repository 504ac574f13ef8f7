"""A dead job never leaves our side wrong (issue 18, bug 4): its listing says "cần kiểm tra" with the
last error to the farmer, the admin page lists it, and reconciliation reads the marketplace back."""

from __future__ import annotations

import dataclasses

from agrimarket.accounts.actor import Role
from integrations.tables import Listing, SyncJob
from tests.agrimarket.test_web_pages import web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish


async def test_a_dead_job_marks_its_listing_for_the_farmer_and_the_admin(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer, name="Rau muống Cát Hải")
    sims["postmart"].state.config.faults.error_rate = 1.0
    worker.settings = dataclasses.replace(worker.settings, max_attempts=2)
    assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202
    await drain(worker)
    assert (await SyncJob.select().first())["status"] == "dead"
    listing = (await client.get(f"/api/v1/products/{product['id']}/listings", headers=farmer.headers)).json()[
        0
    ]
    assert listing["needs_check"] and "503" in listing["check_reason"]
    await web_login(client, farmer.phone)
    page = await client.get("/products")
    assert "Cần kiểm tra" in page.text and "503" in page.text
    admin = await accounts.staff(Role.ADMIN)
    await web_login(client, admin.phone)
    queue = await client.get("/admin/sync-jobs")
    assert "Rau muống Cát Hải" in queue.text and "503" in queue.text
    # Once a push gets through, the mark is gone.
    sims["postmart"].state.config.faults.error_rate = 0.0
    job = await SyncJob.select().first()
    assert (
        await client.post(f"/api/v1/sync-jobs/{job['id']}/retry", headers=admin.headers)
    ).status_code == 202
    await drain(worker)
    row = await Listing.select().first()
    assert row["state"] == "live" and not row["needs_check"] and row["check_reason"] == ""


async def test_reconciliation_reads_the_marketplace_back_after_a_dead_job(client, accounts, worker, sims):
    sim = sims["postmart"].state
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202
    await drain(worker)
    # Archive: every DELETE is applied on Postmart but its answer is cut, until the job gives up.
    sim.config.faults.drop_rate = 1.0
    worker.settings = dataclasses.replace(worker.settings, max_attempts=2)
    url = f"/api/v1/products/{product['id']}"
    assert (await client.patch(url, json={"status": "archived"}, headers=farmer.headers)).status_code == 200
    await drain(worker)
    row = await Listing.select().first()
    item = sim.items[row["external_id"]]
    assert item.status == "delisted" and row["state"] == "live" and row["needs_check"]  # our side is wrong
    sim.config.faults.drop_rate = 0.0
    assert await worker.reconcile_once() == 1
    row = await Listing.select().first()
    assert row["state"] == item.status == "delisted"
