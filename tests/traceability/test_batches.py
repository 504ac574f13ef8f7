"""Batches and the diary: scope, area status, lot codes, the PHI flag and its clearance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agrimarket import clock
from agrimarket.accounts.actor import Role
from agrimarket.errors import Conflict
from tests.traceability.test_areas import make_area, set_status
from traceability.batches.facts import OwnerFacts
from traceability.batches.service import assert_stampable, batch_facts

BATCHES = "/api/v1/batches/"
TODAY = clock.today()


@pytest.fixture(autouse=True)
def same_day(monkeypatch):
    """The services' "today" is the one these tests' dates were computed from, even when Vietnam's
    midnight (17:00 UTC) passes between the import and the request."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


async def post_batch(client, session, product_id: int, area_id: int, **overrides):
    payload = {
        "product_id": product_id,
        "growing_area_id": area_id,
        "lot_code": "NA-2026-01",
        "harvest_date": (TODAY - timedelta(days=2)).isoformat(),
        "pack_date": (TODAY - timedelta(days=1)).isoformat(),
        "quantity": 120,
        "unit": "kg",
    }
    return await client.post(BATCHES, json=payload | overrides, headers=session.headers)


async def make_batch(client, session, product_id: int, area_id: int, **overrides) -> dict:
    response = await post_batch(client, session, product_id, area_id, **overrides)
    assert response.status_code == 201, response.text
    return response.json()


async def farm(client, accounts, **product):
    """A household with one product and one growing area."""
    farmer = await accounts.household()
    made = await accounts.product(farmer, **({"name": "Na Cát Hải", "unit": "kg"} | product))
    area = await make_area(client, farmer)
    return farmer, made, area


async def fill_minimum_data(client, session, product_id: int, batch_id: int) -> None:
    """What the minimum data set requires beyond a new batch: a photo, a diary entry, a standard."""
    from agrimarket.tables import ProductPhoto

    await ProductPhoto(
        product=product_id,
        image_key="p/x.webp",
        thumb_key="t/x.webp",
        width=1,
        height=1,
        created_at=datetime.now(UTC),
    ).save()
    assert (await add_event(client, session, batch_id, kind="planting")).status_code == 201
    patched = await client.patch(
        f"{BATCHES}{batch_id}", json={"standards": "TCCS 01:2026"}, headers=session.headers
    )
    assert patched.status_code == 200, patched.text


async def add_event(client, session, batch_id: int, **event):
    return await client.post(f"{BATCHES}{batch_id}/events", json=event, headers=session.headers)


async def add_spray(client, session, batch_id: int, sprayed, phi_days: int | str = 7):
    """A pesticide (Regent 800WG, Fipronil) sprayed on the date ``sprayed`` with that PHI."""
    return await add_event(
        client,
        session,
        batch_id,
        kind="input_use",
        occurred_at=f"{sprayed.isoformat()}T06:30:00+07:00",
        details={
            "input_type": "pesticide",
            "product_name": "Regent 800WG",
            "active_ingredient": "Fipronil",
            "dose": "1 g/bình 16 lít",
            "phi_days": phi_days,
        },
    )


async def test_household_cannot_batch_anothers_product_or_area(client, accounts):
    owner, product, area = await farm(client, accounts)
    stranger, own_product, own_area = await farm(client, accounts)
    assert (await post_batch(client, stranger, product["id"], own_area["id"])).status_code == 404
    assert (await post_batch(client, stranger, own_product["id"], area["id"])).status_code == 404
    batch = await make_batch(client, owner, product["id"], area["id"])
    assert (await client.get(f"{BATCHES}{batch['id']}", headers=stranger.headers)).status_code == 404
    assert (await add_event(client, stranger, batch["id"], kind="irrigation")).status_code == 404
    assert (await client.get(BATCHES, headers=stranger.headers)).json() == []
    officer = await accounts.staff(Role.OFFICER, area="31")
    assert (await client.get(f"{BATCHES}{batch['id']}", headers=officer.headers)).status_code == 200
    assert (await add_event(client, officer, batch["id"], kind="irrigation")).status_code == 403


async def test_batch_field_rules_and_lot_code_unique_per_owner(client, accounts):
    farmer, product, area = await farm(client, accounts)
    bad = await post_batch(
        client,
        farmer,
        product["id"],
        area["id"],
        lot_code="lô 1",
        quantity=0,
        unit="tấn?",
        pack_date=(TODAY - timedelta(days=5)).isoformat(),
        expiry_date=(TODAY - timedelta(days=9)).isoformat(),
    )
    assert bad.status_code == 422
    assert {"lot_code", "quantity", "unit", "pack_date", "expiry_date"} <= set(bad.json()["error"]["fields"])
    first = await make_batch(client, farmer, product["id"], area["id"], lot_code=" na-1 ")
    assert first["lot_code"] == "na-1" and first["flagged"] is False
    again = await post_batch(client, farmer, product["id"], area["id"], lot_code="NA-1")
    assert again.status_code == 409
    # Another owner may use the same lot code.
    other, other_product, other_area = await farm(client, accounts)
    await make_batch(client, other, other_product["id"], other_area["id"], lot_code="na-1")


@pytest.mark.parametrize("status", ["suspended", "revoked"])
async def test_suspended_or_revoked_area_cannot_back_a_batch(client, accounts, status):
    farmer, product, area = await farm(client, accounts)
    officer = await accounts.staff(Role.OFFICER, area="31")
    assert (
        await set_status(client, officer, area["id"], status, "Phát hiện sâu bệnh kiểm dịch")
    ).status_code == 200
    response = await post_batch(client, farmer, product["id"], area["id"])
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert message.startswith("Vùng trồng đã bị") and "Phát hiện sâu bệnh kiểm dịch" in message


async def test_diary_events_are_validated_and_recorded(client, accounts):
    farmer, product, area = await farm(client, accounts)
    batch = await make_batch(client, farmer, product["id"], area["id"])
    naive = await add_event(client, farmer, batch["id"], kind="planting", occurred_at="2026-03-01T07:00:00")
    assert naive.status_code == 422 and "múi giờ" in naive.json()["error"]["message"]
    assert (await add_event(client, farmer, batch["id"], kind="dancing")).status_code == 422
    missing = await add_event(
        client, farmer, batch["id"], kind="input_use", details={"input_type": "pesticide"}
    )
    assert missing.status_code == 422
    assert {"details.product_name", "details.dose", "details.active_ingredient", "details.phi_days"} <= set(
        missing.json()["error"]["fields"]
    )
    assert (await add_event(client, farmer, batch["id"], kind="shipping")).status_code == 422
    ok = await add_event(
        client,
        farmer,
        batch["id"],
        kind="planting",
        occurred_at="2026-03-01T07:00:00+07:00",
        details={"variety": "Na dai"},
    )
    assert ok.status_code == 201, ok.text
    await add_event(client, farmer, batch["id"], kind="irrigation")
    events = ok.json()["events"]
    assert events[0]["kind"] == "planting" and events[0]["author_id"] == farmer.me["id"]
    assert events[0]["occurred_at"].startswith("2026-03-01T00:00:00")  # stored in UTC
    assert events[0]["growing_area_id"] == area["id"]
    full = (await client.get(f"{BATCHES}{batch['id']}", headers=farmer.headers)).json()
    assert [e["kind"] for e in full["events"]] == ["planting", "irrigation"]


async def test_harvest_inside_phi_flags_until_cleared_with_reason(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    product = await accounts.product(member, name="Rau muống", unit="bo")
    area = await make_area(client, member)
    batch = await make_batch(
        client, member, product["id"], area["id"], harvest_date=TODAY.isoformat(), pack_date=None, unit="bo"
    )
    await fill_minimum_data(client, member, product["id"], batch["id"])
    await assert_stampable(batch["id"])
    sprayed = TODAY - timedelta(days=3)
    spray = await add_spray(client, member, batch["id"], sprayed)
    assert spray.status_code == 201, spray.text
    flagged = spray.json()
    assert flagged["flagged"] is True and flagged["cleared"] is False
    safe = sprayed + timedelta(days=7)
    assert "Regent 800WG" in flagged["flag_reason"] and f"{safe:%d/%m/%Y}" in flagged["flag_reason"]
    with pytest.raises(Conflict, match="cleared before stamps"):
        await assert_stampable(batch["id"])

    assert (
        await client.post(
            f"{BATCHES}{batch['id']}/clear",
            json={"reason": "Đã kiểm tra, không phun"},
            headers=member.headers,
        )
    ).status_code == 403
    short = await client.post(f"{BATCHES}{batch['id']}/clear", json={"reason": "ok"}, headers=manager.headers)
    assert short.status_code == 422
    reason = "Mẫu rau đã xét nghiệm âm tính dư lượng Fipronil (phiếu số 12/2026)"
    cleared = await client.post(
        f"{BATCHES}{batch['id']}/clear", json={"reason": reason}, headers=manager.headers
    )
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert body["flagged"] is True and body["cleared"] is True
    assert body["cleared_reason"] == reason and body["cleared_by_id"] == manager.me["id"]
    await assert_stampable(batch["id"])
    assert (
        await client.post(f"{BATCHES}{batch['id']}/clear", json={"reason": reason}, headers=manager.headers)
    ).status_code == 409


async def test_harvest_after_phi_is_not_flagged_and_facts(client, accounts):
    farmer, product, area = await farm(client, accounts, certifications=["vietgap"])
    batch = await make_batch(
        client, farmer, product["id"], area["id"], harvest_date=TODAY.isoformat(), pack_date=TODAY.isoformat()
    )
    long_ago = TODAY - timedelta(days=20)
    details = {
        "input_type": "pesticide",
        "product_name": "Abamectin 3.6EC",
        "active_ingredient": "Abamectin",
        "dose": "10 ml",
        "phi_days": 7,
    }
    response = await add_event(
        client,
        farmer,
        batch["id"],
        kind="input_use",
        occurred_at=f"{long_ago}T08:00:00+07:00",
        details=details,
    )
    assert response.json()["flagged"] is False
    harvest = await add_event(client, farmer, batch["id"], kind="harvesting")
    assert harvest.json()["flagged"] is False
    facts = await batch_facts(batch["id"])
    assert facts.product.name == "Na Cát Hải" and facts.product.certifications == ["vietgap"]
    assert facts.owner == OwnerFacts(
        kind="household",
        name="Nguyễn Văn An",
        commune="Đặc khu Cát Hải",
        province="Thành phố Hải Phòng",
        address="Đặc khu Cát Hải, Thành phố Hải Phòng",  # no street recorded
    )
    assert facts.growing_area.code is None and facts.growing_area.status == "unverified"
    assert [d.kind for d in facts.diary] == ["input_use", "harvesting"]
    assert facts.diary[0].label_vi == "Phun thuốc BVTV: Abamectin 3.6EC"
    assert facts.diary[1].date == TODAY or facts.diary[1].date == TODAY + timedelta(days=1)
