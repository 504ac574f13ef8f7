"""Hostile dates: every date field is bounded (agrimarket.dates), and a stamp whose batch already
holds an absurd date (stored before the bounds) still scans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agrimarket import clock
from agrimarket.dates import shifted
from tests.traceability.test_areas import post_area
from tests.traceability.test_batches import BATCHES, TODAY, add_event, farm, make_batch, post_batch
from tests.traceability.test_scan import stamped
from traceability.tables import Batch


@pytest.fixture(autouse=True)
def same_day(monkeypatch):
    """The services' "today" is the one these tests' dates were computed from, even when Vietnam's
    midnight (17:00 UTC) passes between the import and the request."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def fields(response) -> dict:
    assert response.status_code == 422, response.text
    return response.json()["error"]["fields"]


async def test_batch_dates_outside_their_range_are_refused(client, accounts):
    farmer, product, area = await farm(client, accounts)
    ids = (product["id"], area["id"])
    # The attack of the issue: expiry 9999-12-31.
    assert "expiry_date" in fields(await post_batch(client, farmer, *ids, expiry_date="9999-12-31"))
    packed = TODAY - timedelta(days=1)
    too_long = shifted(packed, years=10, days=1).isoformat()
    assert "expiry_date" in fields(await post_batch(client, farmer, *ids, expiry_date=too_long))
    ahead = (TODAY + timedelta(days=366)).isoformat()
    refused = fields(await post_batch(client, farmer, *ids, harvest_date=ahead, pack_date=ahead))
    assert set(refused) == {"harvest_date", "pack_date"}
    assert "01/01/2000" in refused["harvest_date"]
    assert "harvest_date" in fields(
        await post_batch(client, farmer, *ids, harvest_date="1999-12-31", pack_date=None)
    )
    # The edges themselves are accepted: ten years of shelf life, a harvest a year ahead.
    kept = await make_batch(client, farmer, *ids, expiry_date=shifted(packed, years=10).isoformat())
    assert kept["expiry_date"] == shifted(packed, years=10).isoformat()
    year = (TODAY + timedelta(days=365)).isoformat()
    await make_batch(client, farmer, *ids, lot_code="NA-AHEAD", harvest_date=year, pack_date=year)


async def test_diary_area_and_partner_dates_are_bounded(client, accounts):
    farmer, product, area = await farm(client, accounts)
    batch = await make_batch(client, farmer, product["id"], area["id"])
    old = await add_event(
        client, farmer, batch["id"], kind="irrigation", occurred_at="1900-01-01T07:00:00+07:00"
    )
    assert "occurred_at" in fields(old)
    # At the calendar's ends the offset itself overflows: still a field error naming the range.
    for moment in ("0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-07:00"):
        edge = await add_event(client, farmer, batch["id"], kind="irrigation", occurred_at=moment)
        assert "01/01/2000" in fields(edge)["occurred_at"], moment
    assert "valid_until" in fields(
        await post_area(
            client, farmer, official_code="VN-HP-9999", code_kind="domestic", valid_until="9999-12-31"
        )
    )
    assert "valid_from" in fields(
        await post_area(
            client, farmer, official_code="VN-HP-9998", code_kind="domestic", valid_from="0001-01-01"
        )
    )
    partner = {"direction": "recipient", "kind": "buyer", "name": "Chợ đầu mối", "on_date": "9999-12-31"}
    refused = await client.post(f"{BATCHES}{batch['id']}/partners", json=partner, headers=farmer.headers)
    assert "on_date" in fields(refused)


async def test_stored_year_9999_expiry_still_scans(client, accounts):
    """Rows stored before the bounds existed: the scan page and trace JSON answer 200, never 422."""
    session, _, batch_id, serials = await stamped(client, accounts, expiry=date(9999, 12, 31))
    await Batch.update({Batch.harvest_date: date(9999, 12, 30), Batch.pack_date: date(9999, 12, 31)}).where(
        Batch.id == batch_id
    )
    page = await client.get(f"/t/{serials[0]}")
    assert page.status_code == 200, page.text
    assert "31/12/9999" in page.text and "tem giả" not in page.text
    for lang in ("en", "zh"):
        assert (await client.get(f"/t/{serials[1]}?lang={lang}")).status_code == 200
    trace = await client.get(f"/api/v1/trace/{serials[0]}")
    assert trace.status_code == 200, trace.text
    assert trace.json()["expiry_date"] == "9999-12-31"
    # The owner's own views of the batch too.
    for url in (f"{BATCHES}{batch_id}", f"{BATCHES}{batch_id}/epcis", f"/batches/{batch_id}"):
        assert (await client.get(url, headers=session.headers)).status_code == 200, url
