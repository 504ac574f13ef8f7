"""Growing areas: registration rules, official codes, scope, officer verification, registry CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from agrimarket.accounts.actor import Role
from agrimarket.settings import SettingsError
from tests.factories import CAT_HAI
from traceability.settings import TraceabilitySettings

AREAS = "/api/v1/growing-areas/"


async def other_province_commune(client) -> str:
    rows = (await client.get("/api/v1/areas/communes/search", params={"q": "soc son"})).json()
    return next(r["code"] for r in rows if r["province_code"] != "31")


async def post_area(client, session, **overrides):
    payload = {"name": "Vườn na Hoàng Châu", "crop": "Na", "area_ha": 1.5, "commune_code": CAT_HAI}
    return await client.post(AREAS, json=payload | overrides, headers=session.headers)


async def make_area(client, session, **overrides) -> dict:
    response = await post_area(client, session, **overrides)
    assert response.status_code == 201, response.text
    return response.json()


async def set_status(client, session, area_id: int, status: str, reason: str = ""):
    return await client.post(
        f"{AREAS}{area_id}/status", json={"status": status, "reason": reason}, headers=session.headers
    )


async def test_household_registers_area_without_code(client, accounts):
    farmer = await accounts.household()
    area = await make_area(client, farmer, gps_lat=20.72, gps_lng=107.05)
    assert area["owner_kind"] == "household"
    assert area["owner_id"] == farmer.me["household_id"]
    assert area["official_code"] is None and area["status"] == "unverified"
    assert area["commune_name"] and area["province_code"] == "31"


async def test_official_code_is_trimmed_upper_cased_and_unique(client, accounts):
    farmer = await accounts.household()
    area = await make_area(
        client, farmer, official_code="  vn-hpch-0012 ", code_kind="export", export_market="Trung Quốc"
    )
    assert area["official_code"] == "VN-HPCH-0012"
    assert area["export_market"] == "Trung Quốc"
    other = await accounts.household()
    duplicate = await post_area(client, other, official_code="VN-HPCH-0012", code_kind="domestic")
    assert duplicate.status_code == 409
    assert "VN-HPCH-0012" in duplicate.json()["error"]["message"]


async def test_bad_codes_are_422_saying_what_is_wrong(client, accounts):
    farmer = await accounts.household()
    for code, hint in (("VN_HP#12", "'#'"), ("AB1", "3 ký tự"), ("X" * 41, "41 ký tự")):
        response = await post_area(client, farmer, official_code=code, code_kind="domestic")
        assert response.status_code == 422, code
        message = response.json()["error"]["fields"]["official_code"]
        assert "chữ in hoa, chữ số và dấu gạch ngang" in message and hint in message
    response = await post_area(client, farmer, official_code="VN-0001", code_kind="export")
    assert response.status_code == 422
    assert "export_market" in response.json()["error"]["fields"]
    assert (await client.get(AREAS, headers=farmer.headers)).json() == []


async def test_area_field_rules(client, accounts):
    farmer = await accounts.household()
    response = await post_area(
        client,
        farmer,
        area_ha=0,
        commune_code="99999",
        gps_lat=48.85,
        gps_lng=2.35,
        official_code="VN-0001",
        code_kind="domestic",
        valid_from="2026-05-01",
        valid_until="2026-01-01",
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert {"area_ha", "gps_lat", "valid_until"} <= set(fields)
    unknown = await post_area(client, farmer, commune_code="99999")
    assert unknown.status_code == 422 and "commune_code" in unknown.json()["error"]["fields"]


async def test_coop_manager_registers_for_member_and_coop(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    outsider = await accounts.household()
    await accounts.join(manager, coop_id, member)
    own = await make_area(client, manager)
    assert own["owner_kind"] == "cooperative" and own["owner_id"] == coop_id
    for_member = await make_area(client, manager, owner_household_id=member.me["household_id"])
    assert for_member["owner_kind"] == "household"
    refused = await post_area(client, manager, owner_household_id=outsider.me["household_id"])
    assert refused.status_code == 422
    # The member sees the area registered for it; the outsider sees nothing.
    assert [a["id"] for a in (await client.get(AREAS, headers=member.headers)).json()] == [for_member["id"]]
    assert (await client.get(AREAS, headers=outsider.headers)).json() == []
    assert (await client.get(f"{AREAS}{own['id']}", headers=outsider.headers)).status_code == 404


async def test_officer_verifies_only_in_own_area(client, accounts):
    farmer = await accounts.household()
    area = await make_area(client, farmer, official_code="VN-HP-0001", code_kind="domestic")
    elsewhere = await accounts.staff(Role.OFFICER, area="01")  # Hà Nội
    local = await accounts.staff(Role.OFFICER, area="31")  # Hải Phòng
    assert (await set_status(client, elsewhere, area["id"], "verified")).status_code == 404
    assert (await client.get(f"{AREAS}{area['id']}", headers=elsewhere.headers)).status_code == 404
    assert (await client.get(AREAS, headers=elsewhere.headers)).json() == []
    # The owner cannot verify its own area.
    assert (await set_status(client, farmer, area["id"], "verified")).status_code == 403
    verified = await set_status(client, local, area["id"], "verified")
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["status"] == "verified" and body["status_changed_by_id"] == local.me["id"]
    # Officers read, never register.
    assert (await post_area(client, local)).status_code == 403


async def test_status_transitions_need_reason_and_revoked_is_final(client, accounts):
    farmer = await accounts.household()
    admin = await accounts.staff(Role.ADMIN)
    area = await make_area(client, farmer)
    assert (await set_status(client, admin, area["id"], "suspended")).status_code == 422
    suspended = await set_status(client, admin, area["id"], "suspended", "Phát hiện ruồi đục quả")
    assert suspended.json()["status_reason"] == "Phát hiện ruồi đục quả"
    assert (await set_status(client, admin, area["id"], "verified")).json()["status"] == "verified"
    assert (await set_status(client, admin, area["id"], "revoked", "Hết hạn mã")).status_code == 200
    again = await set_status(client, admin, area["id"], "verified")
    assert again.status_code == 409
    assert (await set_status(client, admin, area["id"], "bogus", "x")).status_code == 422


async def test_registry_filters_and_csv_export(client, accounts):
    farmer = await accounts.household(name="Lê Văn Dũng")
    await make_area(
        client, farmer, name='=HYPERLINK("http://evil")', official_code="VN-HP-0002", code_kind="domestic"
    )
    await make_area(client, farmer, name="Đồi chè", crop="Chè")
    elsewhere = await other_province_commune(client)
    far = await accounts.household(commune=elsewhere)
    await make_area(client, far, name="Vườn Sóc Sơn", commune_code=elsewhere)
    officer = await accounts.staff(Role.OFFICER, area="31")
    listed = (await client.get(AREAS, headers=officer.headers)).json()
    assert len(listed) == 2
    with_code = (await client.get(AREAS, params={"has_code": "true"}, headers=officer.headers)).json()
    assert [a["official_code"] for a in with_code] == ["VN-HP-0002"]
    without = (await client.get(AREAS, params={"has_code": "false"}, headers=officer.headers)).json()
    assert [a["name"] for a in without] == ["Đồi chè"]
    found = (await client.get(AREAS, params={"q": "doi che"}, headers=officer.headers)).json()
    assert [a["name"] for a in found] == ["Đồi chè"]

    response = await client.get(f"{AREAS}export.csv", headers=officer.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã số vùng trồng" and "Trạng thái" in rows[0]
    assert len(rows) == 3  # the officer's province only
    names = {row[3] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in names and "Đồi chè" in names
    assert "chưa có mã vùng trồng" in {row[0] for row in rows[1:]}
    assert (await client.get(f"{AREAS}export.csv")).status_code == 401


async def test_a_configured_code_pattern_is_applied_and_named_in_the_422(accounts, settings):
    import dataclasses

    from litestar.testing import AsyncTestClient

    from agrimarket.app import create_app
    from tests.factories import Accounts

    strict = dataclasses.replace(
        settings.section(TraceabilitySettings), official_code_pattern=r"^VN-[A-Z]{2,4}-\d{4}$"
    )
    app = create_app(settings.with_section(strict))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as own:
        farmer = await Accounts(own).household()
        bad = await post_area(own, farmer, official_code="HP-0012", code_kind="domestic")
        assert bad.status_code == 422
        message = bad.json()["error"]["fields"]["official_code"]
        assert "không đúng mẫu quy định" in message and r"^VN-[A-Z]{2,4}-\d{4}$" in message
        good = await post_area(own, farmer, official_code=" vn-hpch-0012", code_kind="domestic")
        assert good.status_code == 201 and good.json()["official_code"] == "VN-HPCH-0012"
    with pytest.raises(SettingsError, match="GROWING_AREA_CODE_PATTERN"):
        dataclasses.replace(settings.section(TraceabilitySettings), official_code_pattern="^[A-")


async def test_status_changes_keep_who_when_and_why(client, accounts):
    farmer = await accounts.household()
    officer = await accounts.staff(Role.OFFICER, area="31")
    area = await make_area(client, farmer)
    assert area["status_changed_at"] is None and area["status_changed_on"] is None
    body = (await set_status(client, officer, area["id"], "suspended", "Phát hiện ruồi đục quả")).json()
    assert body["status"] == "suspended" and body["status_reason"] == "Phát hiện ruồi đục quả"
    assert body["status_changed_at"] and body["status_changed_by_id"] == officer.me["id"]
    assert body["status_changed_on"] in (
        body["status_changed_at"][:10],
        (date.fromisoformat(body["status_changed_at"][:10]) + timedelta(days=1)).isoformat(),
    )
    rows = list(
        csv.reader(
            io.StringIO(
                (await client.get(f"{AREAS}export.csv", headers=officer.headers)).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][13:] == ["Đình chỉ", "Phát hiện ruồi đục quả", body["status_changed_on"]]
    # The owner sees why and since when on its own list.
    from tests.agrimarket.test_web_pages import web_login

    await web_login(client, farmer.phone)
    page = (await client.get("/areas")).text
    shown = date.fromisoformat(body["status_changed_on"]).strftime("%d/%m/%Y")
    assert "Đình chỉ" in page and "ngày <time" in page and shown in page and "ruồi đục quả" in page
