"""Stamp issuance limits: a daily count and one background job per owner, and the deployment's
disk budget for stamp files (sheets without PINs removed and rendered again; PIN sheets kept)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import zipfile
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from agrimarket.media.storage import build_storage
from tests.factories import Accounts
from tests.traceability.test_stamps_helpers import make_batch, media_bytes
from traceability.settings import TraceabilitySettings
from traceability.stamps import budget, jobs
from traceability.tables import Stamp, StampIssue


def post_issue(client, session, batch_id: int, count: int, with_pin: bool = False):
    return client.post(
        f"/api/v1/batches/{batch_id}/stamps",
        json={"count": count, "label_size": "30x40", "with_pin": with_pin},
        headers=session.headers,
    )


@contextlib.asynccontextmanager
async def limited(settings, **limits):
    """An app with its own stamp limits and no background renderer (the test renders)."""
    traceability = dataclasses.replace(settings.section(TraceabilitySettings), render_worker=False, **limits)
    own = settings.with_section(traceability)
    async with AsyncTestClient(app=create_app(own), base_url="http://testserver.local") as client:
        yield client, own


async def test_the_100000_stamp_attack_is_refused_by_the_daily_limit(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    refused = await post_issue(client, session, batch_id, 100_000, with_pin=True)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limited"  # the one shape of every limit's answer
    message = refused.json()["error"]["message"]
    assert "20.000 tem" in message and "STAMP_DAILY_LIMIT" in message
    assert 0 < int(refused.headers["retry-after"]) <= 24 * 3600
    assert await StampIssue.count() == 0 and await Stamp.count() == 0  # nothing half-written


async def test_daily_limit_counts_every_batch_of_the_owner(settings):
    async with limited(settings, stamp_daily_limit=50) as (client, _):
        accounts = Accounts(client)
        session, _, batch_id = await make_batch(accounts)
        _, _, other_batch = await make_batch(accounts, session, lot="LO-02")
        assert (await post_issue(client, session, batch_id, 30)).status_code == 201
        over = await post_issue(client, session, other_batch, 30)
        assert over.status_code == 429 and "còn được 20 tem" in over.json()["error"]["message"]
        assert (await post_issue(client, session, other_batch, 20)).status_code == 201
        assert (await post_issue(client, session, batch_id, 1)).status_code == 429
        # Another household has its own count.
        neighbour, _, own_batch = await make_batch(accounts)
        assert (await post_issue(client, neighbour, own_batch, 50)).status_code == 201


async def test_two_requests_at_once_cannot_both_squeeze_under_the_limit(settings):
    async with limited(settings, stamp_daily_limit=50) as (client, _):
        session, _, batch_id = await make_batch(Accounts(client))
        answers = await asyncio.gather(*(post_issue(client, session, batch_id, 30) for _ in range(2)))
        assert sorted(a.status_code for a in answers) == [201, 429]
        assert await Stamp.count() == 30


async def test_one_background_job_at_a_time_per_owner(settings):
    async with limited(settings, background_threshold=5) as (client, own):
        accounts = Accounts(client)
        session, _, batch_id = await make_batch(accounts)
        first = await post_issue(client, session, batch_id, 8)
        assert first.status_code == 201 and first.json()["status"] == "queued"
        second = await post_issue(client, session, batch_id, 8)
        assert second.status_code == 409 and "STAMP_BACKGROUND_JOBS" in second.json()["error"]["message"]
        # A small issuance renders at once and is not held back; another owner is not either.
        assert (await post_issue(client, session, batch_id, 3)).json()["status"] == "done"
        neighbour, _, own_batch = await make_batch(accounts)
        assert (await post_issue(client, neighbour, own_batch, 8)).status_code == 201
        while await jobs.run_once(own, build_storage(own)):
            pass
        assert (await post_issue(client, session, batch_id, 8)).status_code == 201


async def _pngs(client, url: str) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(await media_bytes(client, url))).namelist())


async def test_disk_budget_removes_old_sheets_without_pins_and_renders_them_again(settings):
    async with limited(settings) as (client, _):
        session, _, batch_id = await make_batch(Accounts(client))
        plain = (await post_issue(client, session, batch_id, 12)).json()
        pinned = (await post_issue(client, session, batch_id, 12, with_pin=True)).json()
        plain_pngs = await _pngs(client, plain["zip_url"])
        per_stamp = await budget.bytes_per_stamp()
        kept = await budget.committed_bytes(per_stamp)
        assert kept > 0 and per_stamp > 0
    # A budget with room for what is kept and not much more: the next issuance needs room.
    mb = -(-kept // budget.MB)
    async with limited(settings, stamp_disk_budget_mb=mb) as (client, _own):
        room = mb * budget.MB - kept
        count = room // per_stamp + 1
        made = await post_issue(client, session, batch_id, count)
        assert made.status_code == 201, made.text
        removed = (await client.get(f"/api/v1/batches/{batch_id}/stamps", headers=session.headers)).json()
        by_id = {i["id"]: i for i in removed}
        assert by_id[plain["id"]]["files_removed"] and by_id[plain["id"]]["pdf_url"] is None
        assert not by_id[pinned["id"]]["files_removed"] and by_id[pinned["id"]]["pdf_url"]
        gone = await client.get(plain["pdf_url"].replace("http://testserver.local", ""))
        assert gone.status_code == 404
        # Opening the issuance renders the same labels again (same serials, same file names).
        again = (await client.get(f"/api/v1/stamp-issues/{plain['id']}", headers=session.headers)).json()
        assert again["status"] == "done" and again["pdf_url"] and not again["files_removed"]
        assert await _pngs(client, again["zip_url"]) == plain_pngs


async def test_pin_sheets_are_kept_then_removed_for_good_never_reprinted(settings):
    async with limited(settings) as (client, _):
        session, _, batch_id = await make_batch(Accounts(client))
        pinned = (await post_issue(client, session, batch_id, 12, with_pin=True)).json()
        pin_hashes = (
            await Stamp.select(Stamp.pin_hash).where(Stamp.issuance == pinned["id"]).output(as_list=True)
        )
        per_stamp = await budget.bytes_per_stamp()
        kept = await budget.committed_bytes(per_stamp)
    mb = -(-kept // budget.MB)
    count = (mb * budget.MB - kept) // per_stamp + 1
    async with limited(settings, stamp_disk_budget_mb=mb) as (client, _own):
        # Only a recent PIN sheet holds the budget: it is kept, and the new issuance is refused.
        full = await post_issue(client, session, batch_id, count)
        assert full.status_code == 409 and "STAMP_DISK_BUDGET_MB" in full.json()["error"]["message"]
        assert await StampIssue.count() == 1
        # Past STAMP_PIN_SHEET_KEEP_DAYS it may go, for good: opening it prints no new PINs.
        await StampIssue.update({StampIssue.finished_at: datetime.now(UTC) - timedelta(days=91)}).where(
            StampIssue.id == pinned["id"]
        )
        assert (await post_issue(client, session, batch_id, count)).status_code == 201
        page = (await client.get(f"/api/v1/stamp-issues/{pinned['id']}", headers=session.headers)).json()
        assert page["files_removed"] and page["pdf_url"] is None and page["status"] == "done"
        hashes = await Stamp.select(Stamp.pin_hash).where(Stamp.issuance == pinned["id"]).output(as_list=True)
        assert hashes == pin_hashes and all(hashes)  # the printed PINs still verify


async def test_the_stamp_form_shows_the_daily_limit_in_vietnamese(client, accounts):
    from tests.agrimarket.test_web_pages import csrf, web_login

    session, _, batch_id = await make_batch(accounts)
    await web_login(client, session.phone)
    form = await client.get(f"/batches/{batch_id}/stamps/new")
    refused = await client.post(
        f"/batches/{batch_id}/stamps/new",
        data={"count": "100000", "label_size": "30x40", "with_pin": "on", "_csrf_token": csrf(form.text)},
    )
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert "Mỗi ngày được phát hành tối đa 20.000 tem" in refused.text
    assert 'value="100000"' in refused.text  # the form is kept as typed
    assert await StampIssue.count() == 0


async def test_files_rendered_before_sizes_were_recorded_count_at_the_estimate(settings):
    async with limited(settings) as (client, _):
        session, _, batch_id = await make_batch(Accounts(client))
        for _ in range(2):
            assert (await post_issue(client, session, batch_id, 12)).status_code == 201
        measured = await budget.committed_bytes(await budget.bytes_per_stamp())
        older = await StampIssue.select(StampIssue.id).order_by(StampIssue.id).first()
        # What the migration leaves on issuances rendered before it: files kept, 0 bytes recorded.
        await StampIssue.update({StampIssue.file_bytes: 0}).where(StampIssue.id == older["id"])
        estimated = await budget.committed_bytes(await budget.bytes_per_stamp())
        assert abs(estimated - measured) < measured / 10


async def test_the_limits_are_documented_in_the_openapi(client):
    schema = (await client.get("/schema/openapi.json")).json()
    answers = schema["paths"]["/api/v1/batches/{batch_id}/stamps"]["post"]["responses"]
    assert {"409", "429"} <= set(answers)
