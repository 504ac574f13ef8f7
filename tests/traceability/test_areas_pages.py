"""Phone pages of growing areas and the officer's registry, through a logged-in web session."""

from __future__ import annotations

import re

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


async def test_registry_filters_by_commune_and_the_csv_link_keeps_the_filters(client, accounts):
    from tests.traceability.test_areas import other_province_commune

    farmer = await accounts.household()
    await make_area(client, farmer, name="Đồi chè", crop="Chè")
    elsewhere = await other_province_commune(client)
    far = await accounts.household(commune=elsewhere)
    await make_area(client, far, name="Vườn Sóc Sơn", commune_code=elsewhere)
    admin = await accounts.staff(Role.ADMIN)
    await web_login(client, admin.phone)
    everything = await client.get("/areas/registry")
    assert "Đồi chè" in everything.text and "Vườn Sóc Sơn" in everything.text
    assert (
        f'<option value="{CAT_HAI}"' in everything.text and f'<option value="{elsewhere}"' in everything.text
    )
    page = await client.get("/areas/registry", params={"commune": CAT_HAI, "q": "đồi chè"})
    assert "Đồi chè" in page.text and "Vườn Sóc Sơn" not in page.text
    assert f'value="{CAT_HAI}" selected' in page.text
    link = re.search(r'href="(/areas/registry\.csv[^"]*)"', page.text).group(1).replace("&amp;", "&")
    assert f"commune={CAT_HAI}" in link and "q=%C4%91%E1%BB%93i+ch%C3%A8" in link
    exported = (await client.get(link)).content.decode("utf-8-sig")
    assert "Đồi chè" in exported and "Vườn Sóc Sơn" not in exported
