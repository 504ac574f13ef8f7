"""The audit log: every change recorded with who, when, what and from where; read by admins and the
owning cooperative only; never edited."""

from __future__ import annotations

import pytest

from agrimarket.tables import AuditEntry
from tests.agrimarket.test_web_pages import web_login
from tests.factories import Role
from tests.traceability.test_stamps_helpers import issue, make_batch

UA = {"user-agent": "Mozilla/5.0 (Linux; Android 13) Mobile"}


async def audit_of(client, session, **params) -> list[dict]:
    response = await client.get("/api/v1/audit/", params=params, headers=session.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_product_change_says_who_what_and_from_where(client, accounts):
    manager, _ = await accounts.coop_manager()
    farmer = await accounts.household()
    product = await accounts.product(farmer, price_vnd=20000)
    await client.patch(
        f"/api/v1/products/{product['id']}",
        json={"price_vnd": 25000, "name": "Rau muống"},
        headers=farmer.headers | UA,
    )
    admin = await accounts.staff(Role.ADMIN)
    entries = await audit_of(client, admin, entity="product", entity_id=product["id"])
    update, create = entries  # newest first
    assert create["action"] == "create" and create["changes"]["price_vnd"] == 20000
    assert update["action"] == "update" and update["changes"] == {"price_vnd": {"from": 20000, "to": 25000}}
    assert update["user_id"] == farmer.me["id"] and update["role"] == "household"
    assert update["client_address"] and "Android" in update["user_agent"] and update["at"]
    assert update["household"] == farmer.me["household_id"] and update["cooperative"] is None
    # Not a member of the cooperative: its manager does not see this household's entries.
    assert await audit_of(client, manager, entity="product") == []


async def test_cooperative_reads_its_members_entries_even_those_made_by_an_officer(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    await accounts.join(manager, coop_id, farmer)
    farmer = await accounts.login(farmer.phone)
    area = await client.post(
        "/api/v1/growing-areas/",
        json={"name": "Vườn nhãn", "crop": "Nhãn", "area_ha": 1.2, "commune_code": "11914"},
        headers=farmer.headers,
    )
    assert area.status_code == 201, area.text
    officer = await accounts.staff(Role.OFFICER, "31")
    judged = await client.post(
        f"/api/v1/growing-areas/{area.json()['id']}/status",
        json={"status": "verified", "reason": ""},
        headers=officer.headers,
    )
    assert judged.status_code == 200, judged.text
    seen = await audit_of(client, manager, entity="growing_area")
    assert [(e["action"], e["role"]) for e in seen] == [("status", "officer"), ("create", "household")]
    assert seen[0]["changes"]["status"] == {"from": "unverified", "to": "verified"}
    assert all(e["cooperative"] == coop_id for e in seen)
    # Households and officers do not read the log.
    for session in (farmer, officer):
        refused = await client.get("/api/v1/audit/", headers=session.headers)
        assert refused.status_code == 403 and "Nhật ký thay đổi" in refused.json()["error"]["message"]


async def test_stamps_batches_listings_and_accounts_are_recorded(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 3)).status_code == 201
    revoked = await client.post(
        "/api/v1/stamps/revoke",
        json={"batch_id": batch_id, "reason": "Lô bị ướt"},
        headers=session.headers,
    )
    assert revoked.status_code == 200, revoked.text
    admin = await accounts.staff(Role.ADMIN)
    actions = [e["action"] for e in await audit_of(client, admin, entity="batch", entity_id=batch_id)]
    assert actions == ["stamps_revoked", "stamps_issued"]
    registered = await audit_of(client, admin, entity="account", entity_id=session.me["id"])
    assert registered[0]["action"] == "register" and registered[0]["changes"]["role"] == "household"
    staff = await audit_of(client, admin, entity="account", entity_id=admin.me["id"])
    assert staff[0]["action"] == "staff_created" and staff[0]["role"] == "system"


async def test_entries_cannot_be_changed(client, accounts):
    await accounts.household()
    entry = await AuditEntry.select(AuditEntry.id).first()
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.action: "nothing happened"}).where(AuditEntry.id == entry["id"])
    assert (await AuditEntry.select(AuditEntry.action).first())["action"] == "register"


async def test_audit_page_for_the_cooperative_manager(client, accounts):
    manager, _ = await accounts.coop_manager()
    await accounts.product(manager, name="Gạo ST25")
    await web_login(client, manager.phone)
    page = await client.get("/audit/")
    assert page.status_code == 200 and "Nhật ký thay đổi" in page.text and "Gạo ST25" in page.text
