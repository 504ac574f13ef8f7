"""Packing facilities (cơ sở đóng gói): register with an official code, the officer's verify / suspend /
revoke with a reason, scope, audit; a batch names its facility (never a suspended or revoked one)."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from agrimarket.tables import AuditEntry
from tests.factories import CAT_HAI
from tests.traceability.test_batches import farm, post_batch
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.stamps.scan import SHOWN
from traceability.tables import Stamp

FACILITIES = "/api/v1/packing-facilities/"


async def register(client, session, **overrides):
    body = {"name": "Nhà đóng gói Đồng Bài", "commune_code": CAT_HAI, "address": "Thôn 2"} | overrides
    return await client.post(FACILITIES, json=body, headers=session.headers)


async def test_register_verify_suspend_revoke_with_scope_and_audit(client, accounts):
    farmer = await accounts.household()
    made = await register(client, farmer, official_code=" vn-pk-hp-0007 ", export_market="Trung Quốc")
    assert made.status_code == 201, made.text
    facility = made.json()
    assert facility["official_code"] == "VN-PK-HP-0007" and facility["status"] == "unverified"
    assert facility["owner_kind"] == "household" and facility["commune_name"] == "Đặc khu Cát Hải"
    bad = await register(client, farmer, official_code="MÃ SỐ 1")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"]["official_code"].startswith("Mã số cơ sở đóng gói chỉ gồm")
    assert (await register(client, farmer, official_code="VN-PK-HP-0007")).status_code == 409
    assert (await register(client, farmer, name="  ")).status_code == 422
    url = f"{FACILITIES}{facility['id']}/status"
    assert (await client.post(url, json={"status": "verified"}, headers=farmer.headers)).status_code == 403
    far = await accounts.staff(Role.OFFICER, "01")
    assert (await client.post(url, json={"status": "verified"}, headers=far.headers)).status_code == 404
    officer = await accounts.staff(Role.OFFICER, "31")
    verified = await client.post(url, json={"status": "verified"}, headers=officer.headers)
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    no_reason = await client.post(url, json={"status": "suspended"}, headers=officer.headers)
    assert no_reason.status_code == 422
    suspended = await client.post(
        url,
        json={"status": "suspended", "reason": "Kiểm dịch phát hiện ruồi đục quả"},
        headers=officer.headers,
    )
    assert (
        suspended.status_code == 200
        and suspended.json()["status_reason"] == "Kiểm dịch phát hiện ruồi đục quả"
    )
    revoked = await client.post(
        url, json={"status": "revoked", "reason": "Thu hồi mã"}, headers=officer.headers
    )
    assert revoked.status_code == 200
    again = await client.post(url, json={"status": "verified"}, headers=officer.headers)
    assert again.status_code == 409  # revoked is final
    stranger = await accounts.household(name="Vũ Văn Nam")
    assert (await client.get(f"{FACILITIES}{facility['id']}", headers=stranger.headers)).status_code == 404
    assert (await client.get(FACILITIES, headers=stranger.headers)).json() == []
    listed = (await client.get(FACILITIES, headers=officer.headers, params={"status": "revoked"})).json()
    assert [f["id"] for f in listed] == [facility["id"]]
    actions = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.entity == "packing_facility")
        .output(as_list=True)
    )
    assert actions.count("status") == 3 and "create" in actions
    # The audit entries are the owner's to read, like a growing area's.
    owners = (
        await AuditEntry.select(AuditEntry.household)
        .where(AuditEntry.entity == "packing_facility")
        .output(as_list=True)
    )
    assert set(owners) == {farmer.me["household_id"]}


async def test_batch_names_its_facility_and_the_trace_prints_the_code(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    facility = (await register(client, session, official_code="VN-PK-HP-0100")).json()
    named = await client.patch(
        f"/api/v1/batches/{batch_id}", json={"packing_facility_id": facility["id"]}, headers=session.headers
    )
    assert named.status_code == 200, named.text
    assert named.json()["packing_facility_code"] == "VN-PK-HP-0100"
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).first())["serial"]
    body = (await client.get(f"/api/v1/trace/{serial}")).json()
    assert (
        body["packing_facility_name"] == "Nhà đóng gói Đồng Bài"
        and body["packing_facility_code"] == "VN-PK-HP-0100"
    )
    html = (await client.get(f"/t/{serial}")).text
    assert "Cơ sở đóng gói" in html and "VN-PK-HP-0100" in html
    # Once suspended, the facility cannot be named on a new batch, nor back new stamps.
    officer = await accounts.staff(Role.OFFICER, "31")
    reason = {"status": "suspended", "reason": "Vi phạm vệ sinh"}
    assert (
        await client.post(f"{FACILITIES}{facility['id']}/status", json=reason, headers=officer.headers)
    ).status_code == 200
    refused = await issue(client, session, batch_id, 1)
    assert (
        refused.status_code == 409
        and "Cơ sở đóng gói của lô đã bị đình chỉ" in refused.json()["error"]["message"]
    )
    SHOWN.clear()


async def test_suspended_facility_cannot_pack_a_new_batch(client, accounts):
    farmer, product, area = await farm(client, accounts)
    facility = (await register(client, farmer)).json()
    ok = await post_batch(client, farmer, product["id"], area["id"], packing_facility_id=facility["id"])
    assert ok.status_code == 201 and ok.json()["packing_facility_name"] == "Nhà đóng gói Đồng Bài"
    officer = await accounts.staff(Role.OFFICER, "31")
    await client.post(
        f"{FACILITIES}{facility['id']}/status",
        json={"status": "revoked", "reason": "Giải thể"},
        headers=officer.headers,
    )
    refused = await post_batch(
        client, farmer, product["id"], area["id"], lot_code="NA-2", packing_facility_id=facility["id"]
    )
    assert refused.status_code == 409 and "thu hồi" in refused.json()["error"]["message"]
    # Someone else's unverified facility is not there to name; a verified one is (its code is public).
    other = await accounts.household(name="Vũ Văn Nam")
    theirs = (await register(client, other, name="Xưởng Nam")).json()
    unknown = await post_batch(
        client, farmer, product["id"], area["id"], lot_code="NA-3", packing_facility_id=theirs["id"]
    )
    assert unknown.status_code == 422
    await client.post(
        f"{FACILITIES}{theirs['id']}/status", json={"status": "verified"}, headers=officer.headers
    )
    packed = await post_batch(
        client, farmer, product["id"], area["id"], lot_code="NA-3", packing_facility_id=theirs["id"]
    )
    assert packed.status_code == 201, packed.text


async def test_pages_register_and_the_officer_verifies(client, accounts):
    from tests.agrimarket.test_web_pages import csrf, web_login

    manager, _ = await accounts.coop_manager()
    await web_login(client, manager.phone)
    page = await client.get("/packing-facilities")
    assert page.status_code == 200 and "Đăng ký cơ sở đóng gói" in page.text
    form = {
        "_csrf_token": csrf(page.text),
        "name": "Xưởng đóng gói HTX",
        "commune_code": CAT_HAI,
        "official_code": "sai mã!",
    }
    bad = await client.post("/packing-facilities/new", data=form)
    assert bad.status_code == 422 and "Mã số cơ sở đóng gói chỉ gồm" in bad.text
    made = await client.post(
        "/packing-facilities/new", data=form | {"official_code": "VN-PK-HP-0200"}, follow_redirects=False
    )
    assert made.status_code in (302, 303), made.text
    listed = await client.get("/packing-facilities")
    assert (
        "VN-PK-HP-0200" in listed.text
        and "Chưa xác minh" in listed.text
        and "Xác minh</button>" not in listed.text
    )
    officer = await accounts.staff(Role.OFFICER, "31")
    await client.post("/logout", data={"_csrf_token": csrf(listed.text)})
    await web_login(client, officer.phone)
    register = await client.get("/packing-facilities")
    assert "Xác minh</button>" in register.text
    facility_id = (await client.get(FACILITIES, headers=officer.headers)).json()[0]["id"]
    token = csrf(register.text)
    no_reason = await client.post(
        f"/packing-facilities/{facility_id}/status", data={"_csrf_token": token, "status": "revoked"}
    )
    assert no_reason.status_code == 422 and "Hãy ghi lý do" in no_reason.text
    verified = await client.post(
        f"/packing-facilities/{facility_id}/status",
        data={"_csrf_token": token, "status": "verified"},
        follow_redirects=False,
    )
    assert verified.status_code in (302, 303)
    assert (await client.get(f"{FACILITIES}{facility_id}", headers=officer.headers)).json()[
        "status"
    ] == "verified"
