"""Phone pages of growing areas and the officer's registry, through a logged-in web session."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import CAT_HAI
from tests.traceability.test_areas import make_area


async def test_household_registers_area_on_the_phone_form(client, accounts):
    farmer = await accounts.household()
    await make_area(client, farmer, name="Ruộng rau Gia Luận")
    await web_login(client, farmer.phone)
    page = await client.get("/areas")
    assert page.status_code == 200
    assert "Ruộng rau Gia Luận" in page.text and "Chưa có mã vùng trồng" in page.text
    form = await client.get("/areas/new")
    assert form.status_code == 200 and 'name="official_code"' in form.text
    assert f'value="{CAT_HAI}" selected' in form.text  # the household's own commune preselected
    bad = await client.post(
        "/areas/new",
        data={
            "name": "Vườn na",
            "crop": "Na",
            "area_ha": "1,2",
            "commune_code": CAT_HAI,
            "official_code": "vn hp 01",
            "code_kind": "domestic",
            "_csrf_token": csrf(form.text),
        },
    )
    assert bad.status_code == 422
    assert "chữ in hoa, chữ số và dấu gạch ngang" in bad.text and 'value="Vườn na"' in bad.text
    good = await client.post(
        "/areas/new",
        data={
            "name": "Vườn na",
            "crop": "Na",
            "area_ha": "1,2",
            "commune_code": CAT_HAI,
            "official_code": "vn-hp-0101",
            "code_kind": "domestic",
            "_csrf_token": csrf(form.text),
        },
        follow_redirects=False,
    )
    assert good.status_code in (302, 303), good.text
    listed = await client.get(good.headers["location"])
    assert "VN-HP-0101" in listed.text and "Đã đăng ký vùng trồng" in listed.text


async def test_officer_registry_page_csv_and_verify(client, accounts):
    farmer = await accounts.household()
    area = await make_area(client, farmer, name="Đồi chè", crop="Chè")
    officer = await accounts.staff(Role.OFFICER, area="31")
    await web_login(client, officer.phone)
    assert (await client.get("/areas", follow_redirects=False)).headers["location"] == "/areas/registry"
    page = await client.get("/areas/registry", params={"has_code": "no"})
    assert page.status_code == 200 and "Đồi chè" in page.text and "Tải CSV" in page.text
    exported = await client.get("/areas/registry.csv")
    assert exported.content.startswith(b"\xef\xbb\xbf") and "Đồi chè" in exported.content.decode("utf-8-sig")
    verified = await client.post(
        f"/areas/{area['id']}/status",
        data={"status": "verified", "_csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert verified.status_code in (302, 303)
    after = (await client.get(f"/api/v1/growing-areas/{area['id']}", headers=officer.headers)).json()
    assert after["status"] == "verified"
    no_reason = await client.post(
        f"/areas/{area['id']}/status", data={"status": "revoked", "_csrf_token": csrf(page.text)}
    )
    assert no_reason.status_code == 422 and "Hãy ghi lý do" in no_reason.text
