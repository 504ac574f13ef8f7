"""Officer scoping, the dashboard, exports read back, and the public open data."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from agrimarket.accounts.actor import Role
from agrimarket.tables import Household
from tests.agrimarket.indicators.helpers import history, household, listing, vn
from tests.agrimarket.test_web_pages import web_login
from tests.factories import CAT_HAI, HAI_PHONG

DAY = "2026-01-20"


async def _seed() -> int:
    farm = await household(name="Trần Thị Hạnh")
    await history(await listing(farm), ("live", vn(2026, 1, 10)))
    await history(await listing(await household(commune="00004")), ("live", vn(2026, 1, 10)))  # Hà Nội
    return farm


async def test_officer_sees_own_province_only(client, accounts):
    await _seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    body = (await client.get("/api/v1/indicators/", params={"date": DAY}, headers=officer.headers)).json()
    assert body["area_code"] == HAI_PHONG and body["households"] == 1
    assert body["as_of"] == DAY and "live" in body["definition"]
    assert {c["code"]: c["households"] for c in body["communes"]}[CAT_HAI] == 1
    assert body["districts"] == [
        {"name": "Không rõ", "known": False, "households": 1, "synced": 1, "declared": 0}
    ]
    hanoi = await accounts.staff(Role.OFFICER, "01")
    body = (await client.get("/api/v1/indicators/", params={"date": DAY}, headers=hanoi.headers)).json()
    assert body["households"] == 1 and all(c["code"] != CAT_HAI for c in body["communes"])
    # Asking for the other province, or one of its communes, looks absent.
    for area in (HAI_PHONG, CAT_HAI):
        response = await client.get("/api/v1/indicators/", params={"area": area}, headers=hanoi.headers)
        assert response.status_code == 404
    commune_officer = await accounts.staff(Role.OFFICER, CAT_HAI)
    body = (
        await client.get("/api/v1/indicators/", params={"date": DAY}, headers=commune_officer.headers)
    ).json()
    assert body["area_code"] == CAT_HAI and [c["code"] for c in body["communes"]] == [CAT_HAI]
    response = await client.get(
        "/api/v1/indicators/", params={"area": HAI_PHONG}, headers=commune_officer.headers
    )
    assert response.status_code == 404


async def test_the_whole_country_is_an_admins_report(client, accounts):
    await _seed()
    admin = await accounts.staff(Role.ADMIN)
    body = (
        await client.get("/api/v1/indicators/", params={"date": DAY, "area": "VN"}, headers=admin.headers)
    ).json()
    assert body["area_code"] == "VN" and body["households"] == 2  # Hải Phòng's and Hà Nội's
    listed = {c["code"]: c["households"] for c in body["communes"]}
    assert listed[CAT_HAI] == 1 and listed["00004"] == 1
    export = await client.get(
        "/api/v1/indicators/export.csv", params={"date": DAY, "area": "vn"}, headers=admin.headers
    )
    assert (
        export.status_code == 200
        and "chi-so-ban-hang-truc-tuyen-VN-" in export.headers["content-disposition"]
    )
    await web_login(client, admin.phone)
    page = await client.get("/indicators/", params={"date": DAY, "area": "VN"})
    assert page.status_code == 200 and '<option value="VN" selected>' in page.text
    # No officer's scope holds it.
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    response = await client.get("/api/v1/indicators/", params={"area": "VN"}, headers=officer.headers)
    assert response.status_code == 404


async def test_household_is_refused(client, accounts):
    farmer = await accounts.household()
    assert (await client.get("/api/v1/indicators/", headers=farmer.headers)).status_code == 403
    await web_login(client, farmer.phone)
    assert (await client.get("/indicators/")).status_code in (403, 404)


async def test_dashboard_page_with_charts(client, accounts):
    await _seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    await web_login(client, officer.phone)
    page = await client.get("/indicators/", params={"date": DAY})
    assert page.status_code == 200, page.text
    assert "Hộ bán hàng trực tuyến" in page.text and "Thành phố Hải Phòng" in page.text
    assert page.text.count("<svg") == 3 and 'style="' not in page.text  # series, markets, funnel
    assert "Trần Thị Hạnh" not in page.text  # no personal data, only counts
    assert "Theo huyện cũ" in page.text and "Không rõ" in page.text
    assert f"/indicators/export.xlsx?date={DAY}&amp;area={HAI_PHONG}" in page.text


async def test_exports_contain_date_area_definition(client, accounts):
    await _seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    params = {"date": DAY, "area": HAI_PHONG}
    response = await client.get("/api/v1/indicators/export.xlsx", params=params, headers=officer.headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["Ngày số liệu", "20/01/2026"] in rows
    assert any(r and r[0] == "Địa bàn" and "Hải Phòng" in r[1] for r in rows)
    assert any(r and r[0] == "Định nghĩa" and "live" in r[1] for r in rows)
    assert ["Hộ bán hàng trực tuyến", 1] in rows
    assert ["Mã xã/phường", "Xã/phường", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"] in rows
    assert [CAT_HAI, "Đặc khu Cát Hải", 1, 1, 0] in rows
    assert ["Huyện cũ (trước 01/7/2025)", "Hộ bán hàng trực tuyến", "Qua sàn kết nối", "Qua khai báo"] in rows
    assert ["Không rõ", 1, 1, 0] in rows  # no legacy district recorded

    await web_login(client, officer.phone)
    response = await client.get("/indicators/export.csv", params=params)
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Ngày số liệu", "20/01/2026"] in table
    assert any(r and r[0] == "Định nghĩa" for r in table)
    assert [CAT_HAI, "Đặc khu Cát Hải", "1", "1", "0"] in table
    assert ["Không rõ", "1", "1", "0"] in table


async def test_open_data_has_counts_and_no_personal_data(client):
    farm = await _seed()
    row = await Household.select(Household.head_name, Household.phone).where(Household.id == farm).first()
    response = await client.get(
        "/api/v1/open-data/households-selling", params={"date": DAY, "province": "31"}
    )
    assert response.status_code == 200 and "public" in response.headers["cache-control"]
    body = response.json()
    assert body["households"] == 1 and {a["code"]: a["households"] for a in body["areas"]}[CAT_HAI] == 1
    country = (await client.get("/api/v1/open-data/households-selling", params={"date": DAY})).json()
    assert country["households"] == 2 and {a["code"]: a["households"] for a in country["areas"]}["01"] == 1
    text = (
        await client.get("/api/v1/open-data/households-selling.csv", params={"date": DAY, "province": "31"})
    ).text
    for body_text in (response.text, text):
        assert row["phone"] not in body_text and row["head_name"] not in body_text
    assert "Đặc khu Cát Hải" in text
    assert (
        await client.get("/api/v1/open-data/households-selling", params={"date": "2026-13-01"})
    ).status_code in (400, 422)


async def test_past_dates_give_the_same_answer(client, accounts):
    await _seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    first = (await client.get("/api/v1/indicators/", params={"date": DAY}, headers=officer.headers)).json()
    await history(await listing(await household()), ("live", vn(2026, 3, 1)))
    again = (await client.get("/api/v1/indicators/", params={"date": DAY}, headers=officer.headers)).json()
    assert first["households"] == again["households"] == 1
    assert date.fromisoformat(first["series"][-1]["date"]) == date(2026, 1, 20)
