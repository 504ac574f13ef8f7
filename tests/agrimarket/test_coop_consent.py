"""Membership by consent (issue 17 §1), each hole tried as a hostile manager would, over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar.testing import AsyncTestClient

from agrimarket import clock
from agrimarket.accounts.actor import Role
from agrimarket.tables import AccountClaim, AuditEntry, Cooperative, CoopInvitation, Household
from tests.agrimarket.households.test_import import finished, upload, xlsx
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import CAT_HAI, PASSWORD, new_phone
from tests.traceability.test_areas import other_province_commune

COOPS = "/api/v1/cooperatives"


async def invite(client, manager, coop_id: int, phone: str):
    return await client.post(f"{COOPS}/{coop_id}/invitations", json={"phone": phone}, headers=manager.headers)


async def test_a_self_registered_cooperative_invites_nobody_until_an_officer_of_its_province_verifies_it(
    client, accounts
):
    manager, coop_id = await accounts.coop_manager(verified=False)
    farmer = await accounts.household()
    coop = (await client.get(f"{COOPS}/{coop_id}", headers=manager.headers)).json()
    assert coop["status"] == "unverified"
    refused = await invite(client, manager, coop_id, farmer.phone)
    assert refused.status_code == 409 and "chưa được xác minh" in refused.json()["error"]["message"]
    signed_up = await client.post(
        f"{COOPS}/{coop_id}/members",
        json={"phone": new_phone(), "head_name": "Hộ Ma"},
        headers=manager.headers,
    )
    assert signed_up.status_code == 409
    # The manager cannot verify itself; an officer of another province does not see it.
    verify = {"status": "verified"}
    assert (
        await client.post(f"{COOPS}/{coop_id}/status", json=verify, headers=manager.headers)
    ).status_code == 403
    hanoi = await accounts.staff(Role.OFFICER, "01")
    assert (
        await client.post(f"{COOPS}/{coop_id}/status", json=verify, headers=hanoi.headers)
    ).status_code == 404
    officer = await accounts.staff(Role.OFFICER, "31")
    listed = await client.get(COOPS, params={"status": "unverified"}, headers=officer.headers)
    assert [c["id"] for c in listed.json()] == [coop_id]
    checked = await client.post(f"{COOPS}/{coop_id}/status", json=verify, headers=officer.headers)
    assert checked.status_code == 200 and checked.json()["status"] == "verified"
    assert (await invite(client, manager, coop_id, farmer.phone)).status_code == 201
    # Suspended: no new invitation, and an open one cannot be accepted.
    pending = (await client.get("/api/v1/invitations", headers=farmer.headers)).json()
    suspend = {"status": "suspended", "reason": "Mã số thuế không khớp đăng ký kinh doanh"}
    assert (
        await client.post(f"{COOPS}/{coop_id}/status", json=suspend, headers=officer.headers)
    ).status_code == 200
    other = await accounts.household()
    assert (await invite(client, manager, coop_id, other.phone)).status_code == 409
    accept = await client.post(f"/api/v1/invitations/{pending[0]['id']}/accept", headers=farmer.headers)
    assert accept.status_code == 409
    assert await Household.count().where(Household.cooperative == coop_id) == 0


async def test_nothing_of_the_household_is_reachable_before_it_accepts(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household(name="Nguyễn Thị Riêng")
    product = await accounts.product(farmer, name="Sá sùng khô")
    invited = await invite(client, manager, coop_id, farmer.phone)
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "pending"
    # Invited is not a member: the product, its edit, listing for it and its members row stay out of reach.
    url = f"/api/v1/products/{product['id']}"
    assert (await client.get(url, headers=manager.headers)).status_code == 404
    assert (await client.patch(url, json={"price_vnd": 1}, headers=manager.headers)).status_code == 404
    listed = await client.get("/api/v1/products/", headers=manager.headers)
    assert product["id"] not in [p["id"] for p in listed.json()]
    for_it = await accounts.post_product(manager, owner_household_id=farmer.me["household_id"])
    assert for_it.status_code == 422
    members = (await client.get(f"{COOPS}/{coop_id}/members", headers=manager.headers)).json()
    assert members == []
    # The manager's invitation list names the phone it typed, not the household's name.
    assert (
        "Nguyễn Thị Riêng"
        not in (await client.get(f"{COOPS}/{coop_id}/invitations", headers=manager.headers)).text
    )

    accepted = await client.post(f"/api/v1/invitations/{invited.json()['id']}/accept", headers=farmer.headers)
    assert accepted.status_code == 200, accepted.text
    assert (await client.get(url, headers=manager.headers)).status_code == 200


async def test_the_household_sees_who_invites_it_and_declines_and_every_step_is_audited(client, accounts):
    manager, coop_id = await accounts.coop_manager(seed=7)
    farmer = await accounts.household()
    invitation_id = (await invite(client, manager, coop_id, farmer.phone)).json()["id"]
    mine = (await client.get("/api/v1/invitations", headers=farmer.headers)).json()
    assert len(mine) == 1
    seen = mine[0]
    assert seen["cooperative_name"] == "HTX Nông nghiệp 7" and seen["tax_code"]
    assert seen["commune_name"] == "Đặc khu Cát Hải" and seen["province_name"] == "Thành phố Hải Phòng"
    await web_login(client, farmer.phone)
    page = await client.get("/cooperative")
    assert page.status_code == 200 and "HTX Nông nghiệp 7" in page.text and seen["tax_code"] in page.text
    # Someone else's household cannot answer it (it looks absent), nor can the manager.
    stranger = await accounts.household()
    assert (
        await client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=manager.headers)
    ).status_code == 403
    declined = await client.post(f"/api/v1/invitations/{invitation_id}/decline", headers=farmer.headers)
    assert declined.status_code == 204
    late = await client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=farmer.headers)
    assert late.status_code == 409
    # Invite again, then cancel.
    again = (await invite(client, manager, coop_id, farmer.phone)).json()["id"]
    assert (
        await client.delete(f"{COOPS}/{coop_id}/invitations/{again}", headers=manager.headers)
    ).status_code == 204
    actions = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.entity == "coop_invitation")
        .output(as_list=True)
    )
    assert actions == ["invite", "decline", "invite", "cancel"]


async def test_an_invitation_expires_after_the_setting_on_the_app_clock(
    client, accounts, settings, monkeypatch
):
    assert settings.coop_invitation_days == 14
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    invitation_id = (await invite(client, manager, coop_id, farmer.phone)).json()["id"]
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(days=13, hours=23))
    assert len((await client.get("/api/v1/invitations", headers=farmer.headers)).json()) == 1
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(days=14, minutes=1))
    accepted = await client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=farmer.headers)
    assert accepted.status_code == 409
    assert (await CoopInvitation.select(CoopInvitation.status).first())["status"] == "expired"
    assert await Household.count().where(Household.cooperative == coop_id) == 0
    expired = await AuditEntry.select().where(AuditEntry.action == "expire").first()
    assert expired["entity_id"] == invitation_id and expired["role"] == "system"
    # An expired invitation does not block a new one.
    assert (await invite(client, manager, coop_id, farmer.phone)).status_code == 201


async def test_a_member_sees_its_cooperative_and_leaves_keeping_its_products(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Mắm ruốc")
    await accounts.join(manager, coop_id, farmer)
    assert (await client.get(f"{COOPS}/{coop_id}", headers=farmer.headers)).status_code == 200
    mine = (await client.get("/api/v1/me/cooperative", headers=farmer.headers)).json()
    assert mine["cooperative"]["id"] == coop_id and mine["notices"] == []
    # A member does not read the other members' phones.
    assert (await client.get(f"{COOPS}/{coop_id}/members", headers=farmer.headers)).status_code == 404
    own_id = farmer.me["household_id"]
    assert (
        await client.delete(f"{COOPS}/{coop_id}/members/{own_id}", headers=farmer.headers)
    ).status_code == 204
    assert (await client.get(f"{COOPS}/{coop_id}", headers=farmer.headers)).status_code == 404
    mine = (await client.get("/api/v1/me/cooperative", headers=farmer.headers)).json()
    assert mine["cooperative"] is None
    assert mine["notices"][0]["ended_by"] == "household" and mine["notices"][0]["cooperative_name"]
    # Its product stays its own, and the manager no longer reaches it.
    assert (await client.get(f"/api/v1/products/{product['id']}", headers=farmer.headers)).status_code == 200
    assert (await client.get(f"/api/v1/products/{product['id']}", headers=manager.headers)).status_code == 404
    audited = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.entity == "cooperative")
        .output(as_list=True)
    )
    assert "member_joined" in audited and "member_left" in audited


async def test_the_household_leaves_with_the_button_on_its_page(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    await accounts.join(manager, coop_id, farmer)
    await web_login(client, farmer.phone)
    page = await client.get("/cooperative")
    assert 'action="/cooperative/leave"' in page.text
    left = await client.post("/cooperative/leave", data={"_csrf_token": csrf(page.text)})
    assert left.status_code == 200 and "Hộ đã rời" in left.text
    assert (await Household.select(Household.cooperative).first())["cooperative"] is None


async def test_out_of_province_household_needs_an_officer_of_the_cooperatives_province(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    far = await accounts.household(commune=await other_province_commune(client))
    invited = await invite(client, manager, coop_id, far.phone)
    assert invited.json()["status"] == "awaiting_approval" and invited.json()["needs_approval"] is True
    invitation_id = invited.json()["id"]
    # Not offered to the household yet, and accepting it anyway is refused.
    assert (await client.get("/api/v1/invitations", headers=far.headers)).json() == []
    refused = await client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=far.headers)
    assert refused.status_code == 409 and "cán bộ" in refused.json()["error"]["message"]
    approve = f"{COOPS}/{coop_id}/invitations/{invitation_id}/approve"
    # The officer of the household's province is not the one to approve; nor is the manager.
    hanoi = await accounts.staff(Role.OFFICER, "01")
    assert (await client.post(approve, headers=hanoi.headers)).status_code == 404
    assert (await client.post(approve, headers=manager.headers)).status_code == 403
    officer = await accounts.staff(Role.OFFICER, "31")
    assert (await client.post(approve, headers=officer.headers)).status_code == 204
    accepted = await client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=far.headers)
    assert accepted.status_code == 200, accepted.text


async def test_an_import_names_only_a_verified_cooperative(client, accounts):
    _, unverified = await accounts.coop_manager(verified=False, seed=5)
    tax_code = (await Cooperative.select(Cooperative.tax_code).where(Cooperative.id == unverified).first())[
        "tax_code"
    ]
    officer = await accounts.staff(Role.OFFICER, "31")
    rows = [["Hộ Nhập", new_phone(), "", CAT_HAI, "", "", tax_code]]
    job = await finished(client, officer, (await upload(client, officer, "ho.xlsx", xlsx(rows))).json()["id"])
    assert (job["imported"], job["rejected"]) == (0, 1)
    assert await Household.count().where(Household.cooperative == unverified) == 0


async def test_the_whole_loop_on_the_web_pages(client, accounts, app):
    """Manager invites on /coop, an officer verifies on /coop-register, the household accepts on
    /cooperative; a farmer claims a signed-up phone on /register and the officer confirms its code."""
    manager, coop_id = await accounts.coop_manager(verified=False)
    farmer = await accounts.household()
    officer = await accounts.staff(Role.OFFICER, "31")
    async with (
        AsyncTestClient(app=app, base_url="http://testserver.local") as web_manager,
        AsyncTestClient(app=app, base_url="http://testserver.local") as web_officer,
    ):
        await web_login(web_manager, manager.phone)
        page = await web_manager.get("/coop")
        refused = await web_manager.post(
            "/coop/invitations", data={"invite_phone": farmer.phone, "_csrf_token": csrf(page.text)}
        )
        assert refused.status_code == 409 and "chưa được xác minh" in refused.text
        await web_login(web_officer, officer.phone)
        register = await web_officer.get("/coop-register")
        assert "HTX Nông nghiệp 1" in register.text and "chưa xác minh" in register.text
        verified = await web_officer.post(
            f"/coop-register/{coop_id}/status",
            data={"status": "verified", "_csrf_token": csrf(register.text)},
        )
        assert verified.status_code == 200 and "đã xác minh" in verified.text
        invited = await web_manager.post(
            "/coop/invitations", data={"invite_phone": farmer.phone, "_csrf_token": csrf(page.text)}
        )
        assert invited.status_code == 200 and "chờ hộ trả lời" in invited.text

        await web_login(client, farmer.phone)
        mine = await client.get("/cooperative")
        invitation_id = (await CoopInvitation.select(CoopInvitation.id).first())["id"]
        joined = await client.post(
            f"/cooperative/invitations/{invitation_id}/accept", data={"_csrf_token": csrf(mine.text)}
        )
        assert (
            joined.status_code == 200 and "Hộ đã tham gia" in joined.text and "Rời hợp tác xã" in joined.text
        )

        phone = new_phone()
        signed_up = await web_manager.post(
            "/coop/members",
            data={"phone": phone, "head_name": "Hộ Nhờ Đăng Ký", "_csrf_token": csrf(page.text)},
        )
        assert signed_up.status_code == 200
        form = await client.get("/register")
        claimed = await client.post(
            "/register",
            data={
                "full_name": "Hộ Nhờ Đăng Ký",
                "phone": phone,
                "password": PASSWORD,
                "commune_code": CAT_HAI,
                "_csrf_token": csrf(form.text),
            },
        )
        assert claimed.status_code == 202
        code = re.search(r'class="claim-code">(\d{6})<', claimed.text).group(1)
        register = await web_officer.get("/coop-register")
        assert phone in register.text and code not in register.text
        claim_id = (await AccountClaim.select(AccountClaim.id).first())["id"]
        confirmed = await web_officer.post(
            f"/coop-register/claims/{claim_id}/confirm",
            data={"code": code, "_csrf_token": csrf(register.text)},
        )
        assert confirmed.status_code == 200 and phone not in confirmed.text
    assert (
        await client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    ).status_code == 200


async def test_leaving_ends_the_households_supplier_links_to_the_cooperatives_products(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    await accounts.join(manager, coop_id, farmer)
    product = await accounts.product(manager, name="Nước mắm")
    url = f"/api/v1/products/{product['id']}/suppliers/"
    named = await client.put(
        url, json={"household_ids": [farmer.me["household_id"]]}, headers=manager.headers
    )
    assert named.status_code == 200, named.text
    leave = f"{COOPS}/{coop_id}/members/{farmer.me['household_id']}"
    assert (await client.delete(leave, headers=farmer.headers)).status_code == 204
    assert (await client.get(url, headers=manager.headers)).json() == []
