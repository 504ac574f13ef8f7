"""The admin's sync queue page: dead jobs listed with their error, retried with one button."""

from __future__ import annotations

import dataclasses

from agrimarket.accounts.actor import Role
from integrations.tables import Listing, SyncJob
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish


async def test_only_admins_reach_the_sync_queue(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    assert (await client.get("/admin/sync-jobs")).status_code == 403
    page = await client.get("/products")
    assert (
        await client.post("/admin/sync-jobs/1/retry", data={"_csrf_token": csrf(page.text)})
    ).status_code == 403
    officer = await accounts.staff(Role.OFFICER)
    await web_login(client, officer.phone)
    assert (await client.get("/admin/sync-jobs")).status_code == 403
    assert (await client.get("/api/v1/sync-jobs", headers=officer.headers)).status_code == 403


async def test_admin_retries_a_dead_job_and_it_goes_live(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer, name="Cá song Cát Hải")
    await publish(client, farmer, product["id"], "postmart")
    sims["postmart"].state.config.faults.error_rate = 1.0
    worker.settings = dataclasses.replace(worker.settings, max_attempts=2)
    await drain(worker)
    job = await SyncJob.select().first()
    assert job["status"] == "dead"
    admin = await accounts.staff(Role.ADMIN)
    await web_login(client, admin.phone)
    page = await client.get("/admin/sync-jobs")
    assert page.status_code == 200 and 'href="/admin/sync-jobs"' in page.text  # nav link
    assert "Cá song Cát Hải" in page.text and "Postmart" in page.text and "503" in page.text
    assert f'action="/admin/sync-jobs/{job["id"]}/retry"' in page.text
    missing = await client.post("/admin/sync-jobs/9999/retry", data={"_csrf_token": csrf(page.text)})
    assert missing.status_code == 404 and "Không tìm thấy việc đồng bộ" in missing.text
    assert (await client.post(f"/admin/sync-jobs/{job['id']}/retry")).status_code == 403  # no CSRF token
    sims["postmart"].state.config.faults.error_rate = 0.0
    retried = await client.post(f"/admin/sync-jobs/{job['id']}/retry", data={"_csrf_token": csrf(page.text)})
    assert retried.status_code == 200 and "trở lại hàng đợi" in retried.text
    await drain(worker)
    assert (await Listing.select().first())["state"] == "live"
    assert "Không có việc đồng bộ nào bị lỗi" in (await client.get("/admin/sync-jobs")).text


async def test_failing_jobs_shown_on_request(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "voso", "v-1")
    product = await product_with_photo(accounts, farmer)
    await publish(client, farmer, product["id"], "voso")
    sims["voso"].state.config.faults.error_rate = 1.0
    assert await worker.run_one()  # one failed attempt: queued again, backing off
    admin = await accounts.staff(Role.ADMIN)
    await web_login(client, admin.phone)
    assert "Không có việc đồng bộ nào bị lỗi" in (await client.get("/admin/sync-jobs")).text
    failing = await client.get("/admin/sync-jobs?failing=true")
    assert "Đang thử lại" in failing.text and "503" in failing.text
    assert (await client.get("/admin/sync-jobs?failing=maybe")).status_code < 500
