"""E-commerce training: sessions, attendees by phone and from uploaded lists, scoping, with known answers."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook

from agrimarket import clock
from agrimarket.accounts.actor import Role
from agrimarket.tables import TrainingAttendance
from tests.factories import CAT_HAI, new_phone
from tests.traceability.test_areas import other_province_commune

URL = "/api/v1/trainings/"


def session_body(**overrides) -> dict:
    body = {
        "held_on": (clock.today() - timedelta(days=3)).isoformat(),
        "commune_code": CAT_HAI,
        "topic": "Đăng bán nông sản trên Postmart",
        "trainer": "Trần Văn Dạy",
        "phones": [],
    }
    return body | overrides


async def member_of(client, accounts, manager, coop_id: int):
    household = await accounts.household(name="Vũ Thị Hoa")
    await accounts.join(manager, coop_id, household)
    return household


def xlsx_list(phones: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ tên", "SĐT"])
    for number, phone in enumerate(phones, start=1):
        sheet.append([number, "Hộ dự", phone])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_coop_manager_records_a_session_and_its_attendees(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    first = await member_of(client, accounts, manager, coop_id)
    second = await member_of(client, accounts, manager, coop_id)
    outsider = await accounts.household(name="Đỗ Văn Ngoài")
    unknown = new_phone()
    phones = [first.phone, f"+84 {first.phone[1:]}", outsider.phone, unknown, "12345"]
    made = await client.post(URL, json=session_body(phones=phones), headers=manager.headers)
    assert made.status_code == 201, made.text
    body = made.json()
    # The same member typed twice counts once; the rest come back with their reason.
    assert (body["attendees"], body["added"], body["already"]) == (1, 1, 0)
    reasons = {r["phone"]: r["reason"] for r in body["rejected"]}
    assert reasons == {
        "12345": "Số điện thoại không đúng.",
        outsider.phone: "Không có hộ nào trong phạm vi của bạn với số này.",
        unknown: "Không có hộ nào trong phạm vi của bạn với số này.",
    }
    # The attendance sheet: the first member again, the second (as Excel stores it: a number).
    sheet = xlsx_list([first.phone, int(second.phone)])
    url = f"/api/v1/trainings/{body['id']}/attendance"
    uploaded = await client.post(url, files={"file": ("diem-danh.xlsx", sheet)}, headers=manager.headers)
    assert uploaded.status_code == 200, uploaded.text
    assert {k: uploaded.json()[k] for k in ("attendees", "added", "already")} == {
        "attendees": 2,
        "added": 1,
        "already": 1,
    }
    again = await client.post(url, files={"file": ("diem-danh.xlsx", sheet)}, headers=manager.headers)
    assert (again.json()["attendees"], again.json()["added"]) == (2, 0)
    assert await TrainingAttendance.count() == 2
    # A list without a phone column, or not a spreadsheet, is refused with the reason.
    headless = await client.post(
        url, files={"file": ("ds.csv", "Họ tên\nHộ A\n".encode())}, headers=manager.headers
    )
    assert headless.status_code == 422 and "Số điện thoại" in headless.json()["error"]["message"]
    odd = await client.post(url, files={"file": ("ds.pdf", b"%PDF-1.4")}, headers=manager.headers)
    assert odd.status_code == 415
    listed = await client.get(URL, headers=manager.headers)
    assert [(s["topic"], s["attendees"]) for s in listed.json()] == [("Đăng bán nông sản trên Postmart", 2)]


async def test_officers_record_in_their_area_only(client, accounts):
    here = await accounts.household()
    officer = await accounts.staff(Role.OFFICER, "31")
    made = await client.post(URL, json=session_body(phones=[here.phone]), headers=officer.headers)
    assert made.status_code == 201 and made.json()["attendees"] == 1
    elsewhere = await other_province_commune(client)
    far = await client.post(URL, json=session_body(commune_code=elsewhere), headers=officer.headers)
    assert far.status_code == 404 and "ngoài địa bàn" in far.json()["error"]["message"]
    hanoi = await accounts.staff(Role.OFFICER, "01")
    assert (await client.get(URL, headers=hanoi.headers)).json() == []
    upload = await client.post(
        f"/api/v1/trainings/{made.json()['id']}/attendance",
        files={"file": ("ds.csv", f"Số điện thoại\n{here.phone}\n".encode())},
        headers=hanoi.headers,
    )
    assert upload.status_code == 404
    # A household in Hà Nội is outside the Hải Phòng officer's reach.
    far_household = await accounts.household(commune=elsewhere)
    refused = await client.post(URL, json=session_body(phones=[far_household.phone]), headers=officer.headers)
    assert refused.json()["rejected"][0]["reason"] == "Không có hộ nào trong phạm vi của bạn với số này."


async def test_households_do_not_record_and_dates_are_checked(client, accounts):
    farmer = await accounts.household()
    assert (await client.post(URL, json=session_body(), headers=farmer.headers)).status_code == 403
    assert (await client.get(URL, headers=farmer.headers)).status_code == 403
    admin = await accounts.staff(Role.ADMIN)
    future = session_body(held_on=(clock.today() + timedelta(days=2)).isoformat())
    answer = await client.post(URL, json=future, headers=admin.headers)
    assert answer.status_code == 422 and "held_on" in answer.json()["error"]["fields"]
    blank = await client.post(URL, json=session_body(topic="  "), headers=admin.headers)
    assert blank.status_code == 422 and "topic" in blank.json()["error"]["fields"]
    unknown = await client.post(URL, json=session_body(commune_code="99999"), headers=admin.headers)
    assert unknown.status_code == 422


async def test_the_training_page_records_a_session(client, accounts):
    from tests.agrimarket.test_web_pages import csrf, web_login

    manager, coop_id = await accounts.coop_manager()
    member = await member_of(client, accounts, manager, coop_id)
    await web_login(client, manager.phone)
    page = await client.get("/trainings/")
    assert page.status_code == 200 and "Ghi lớp tập huấn" in page.text
    assert f'value="{CAT_HAI}" selected' in page.text  # the cooperative's commune, chosen already
    data = {
        "_csrf_token": csrf(page.text),
        "held_on": clock.today().isoformat(),
        "province": "31",
        "commune_code": CAT_HAI,
        "topic": "Chụp ảnh sản phẩm bằng điện thoại",
        "trainer": "Trần Văn Dạy",
        "phones": f"{member.phone}\n0000",
    }
    sheet = ("diem-danh.csv", f"Số điện thoại\n{member.phone}\n".encode())
    done = await client.post("/trainings/", data=data, files={"file": sheet})
    assert done.status_code == 200, done.text
    assert "1 hộ tham dự" in done.text and "1 đã có" in done.text and "Số điện thoại không đúng." in done.text
    missing = await client.post("/trainings/", data=data | {"topic": "", "held_on": "x"})
    assert missing.status_code == 422 and "Hãy chọn ngày tập huấn." in missing.text
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    assert (await client.get("/trainings/")).status_code == 403
