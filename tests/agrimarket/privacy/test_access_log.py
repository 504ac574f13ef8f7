"""The processing log: officers' lists, details and exports of households, a manager's look at its
members and an admin's look-up are recorded; the household reads who looked; its own reads are not."""

from __future__ import annotations

import csv
import io

import pytest

from agrimarket.accounts.actor import Role
from agrimarket.accounts.service import actor_for_token
from agrimarket.privacy import access_log
from agrimarket.tables import DataAccess, DataAccessSubject
from tests.agrimarket.test_web_pages import web_login
from tests.factories import CAT_HAI

HANOI_COMMUNE = "00004"  # Phường Ba Đình, Hà Nội (01)


async def _looks(client, session) -> list[dict]:
    response = await client.get("/api/v1/me/data-access", headers=session.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_officer_list_and_detail_are_logged_and_the_household_sees_them(client, accounts):
    a = await accounts.household(name="Phạm Văn Một")
    b = await accounts.household(name="Phạm Văn Hai")
    far = await accounts.household(commune=HANOI_COMMUNE, name="Hộ Hà Nội")
    officer = await accounts.staff(Role.OFFICER)

    listed = await client.get("/api/v1/households/", params={"area": CAT_HAI}, headers=officer.headers)
    assert listed.status_code == 200, listed.text
    ids = {row["id"] for row in listed.json()}
    assert {a.me["household_id"], b.me["household_id"]} <= ids
    assert far.me["household_id"] not in ids
    assert all("phone" not in row for row in listed.json())  # the list carries no phone numbers

    detail = await client.get(f"/api/v1/households/{a.me['household_id']}", headers=officer.headers)
    assert detail.status_code == 200 and detail.json()["phone"] == a.phone

    looks = await _looks(client, a)
    assert [look["what"] for look in looks] == [
        f"thông tin hộ {a.me['household_id']}",
        "danh sách hộ xã 11914 (Đặc khu Cát Hải, Thành phố Hải Phòng)",
    ]
    assert {look["who"] for look in looks} == {"Cán bộ Lê Văn Cường"}
    assert {look["role"] for look in looks} == {"officer"}
    assert [look["what"] for look in await _looks(client, b)] == [looks[1]["what"]]
    assert await _looks(client, far) == []  # out of the officer's area: neither shown nor logged
    # One log row per read, whatever the number of households shown.
    assert await DataAccess.count() == 2
    # "My data" shows and exports the same looks (just signed in: a fresh sign-in).
    mine = await client.get("/api/v1/me/data", headers=a.headers)
    assert mine.status_code == 200, mine.text
    (section,) = [s for s in mine.json()["sections"] if s["key"] == "data_access"]
    assert section["rows"] == looks


async def test_reading_ones_own_household_is_not_logged(client, accounts):
    a = await accounts.household()
    own = await client.get(f"/api/v1/households/{a.me['household_id']}", headers=a.headers)
    assert own.status_code == 200
    assert await DataAccess.count() == 0
    assert await _looks(client, a) == []


async def test_out_of_scope_callers_are_refused(client, accounts):
    a = await accounts.household()
    b = await accounts.household()
    foreign = await accounts.staff(Role.OFFICER, area="01")
    assert (
        await client.get(f"/api/v1/households/{a.me['household_id']}", headers=b.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/households/{a.me['household_id']}", headers=foreign.headers)
    ).status_code == 404
    assert (
        await client.get("/api/v1/households/", params={"area": CAT_HAI}, headers=foreign.headers)
    ).status_code == 404
    assert (await client.get("/api/v1/households/", headers=a.headers)).status_code == 403
    assert (await client.get("/api/v1/me/data-access", headers=foreign.headers)).status_code == 403
    assert await DataAccess.count() == 0


async def test_the_export_with_phones_asks_for_a_reason_and_logs_it(client, accounts):
    a = await accounts.household(name="Phạm Văn Một")
    officer = await accounts.staff(Role.OFFICER)
    for reason in (None, "", "   ", "báo cáo"):
        params = {"area": "31"} | ({"reason": reason} if reason is not None else {})
        refused = await client.get("/api/v1/households/export.csv", params=params, headers=officer.headers)
        assert refused.status_code == 422, refused.text
        assert "lý do" in refused.json()["error"]["message"]
        assert refused.json()["error"]["fields"]["reason"]
    assert await DataAccess.count() == 0  # nothing was read

    why = "Gọi mời các hộ dự tập huấn thương mại điện tử tháng 12"
    response = await client.get(
        "/api/v1/households/export.csv", params={"area": "31", "reason": why}, headers=officer.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2] == "Số điện thoại"
    assert [row[2] for row in rows[1:]] == [a.phone]
    (look,) = await _looks(client, a)
    assert look["reason"] == why
    assert look["what"].startswith("xuất danh sách hộ có số điện thoại tỉnh 31")


async def test_record_writes_one_row_and_one_statement_of_subjects_for_many(accounts):
    officer = await accounts.staff(Role.OFFICER)
    actor = await _actor(officer)
    households = list(range(1, 5001))
    await access_log.record(actor, "danh sách hộ tỉnh 31", [*households, 7, 7])
    assert await DataAccess.count() == 1
    assert await DataAccessSubject.count() == 5000  # each household once
    (row,) = await DataAccess.select(DataAccess.subjects, DataAccess.what)
    assert row == {"subjects": 5000, "what": "danh sách hộ tỉnh 31"}
    looks = await access_log.looks_at(4321)
    assert [look.what for look in looks] == ["danh sách hộ tỉnh 31"]
    assert await access_log.looks_at(5001) == []


async def test_the_same_read_again_within_minutes_is_one_look(accounts, monkeypatch):
    from datetime import timedelta

    from agrimarket import clock

    officer = await _actor(await accounts.staff(Role.OFFICER))
    await access_log.record(officer, "đơn hàng 7", [3])
    await access_log.record(officer, "đơn hàng 7", [3])  # the order page refreshing itself
    assert await DataAccess.count() == 1
    await access_log.record(officer, "đơn hàng 7", [4])  # other households: another look
    await access_log.record(officer, "đơn hàng 7", [3], reason="Kiểm tra khiếu nại của người mua")
    assert await DataAccess.count() == 3
    later = clock.now() + access_log.REPEAT_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    await access_log.record(officer, "đơn hàng 7", [3])
    assert await DataAccess.count() == 4


async def test_the_log_refuses_updates(accounts):
    officer = await accounts.staff(Role.OFFICER)
    await access_log.record(await _actor(officer), "thông tin hộ 1", [1])
    with pytest.raises(Exception, match="append-only"):
        await DataAccess.update({DataAccess.reason: "sửa"}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await DataAccessSubject.update({DataAccessSubject.household: 2}, force=True)


async def _actor(session):
    actor = await actor_for_token(session.token, "api")
    assert actor is not None
    return actor


async def test_the_officers_page_lists_households_and_its_export_asks_why(client, accounts):
    a = await accounts.household(name="Phạm Văn Trang")
    officer = await accounts.staff(Role.OFFICER)
    await web_login(client, officer.phone)
    page = await client.get("/households/")
    assert page.status_code == 200
    assert "Phạm Văn Trang" in page.text and a.phone not in page.text
    refused = await client.get("/households/export.csv", params={"area": "31", "reason": "xem"})
    assert refused.status_code == 422
    assert "Hãy ghi lý do" in refused.text and 'aria-invalid="true"' in refused.text
    why = "Gọi mời các hộ dự tập huấn tháng 12"
    export = await client.get("/households/export.csv", params={"area": "31", "reason": why})
    assert export.status_code == 200 and a.phone in export.content.decode("utf-8-sig")
    assert [(look["what"][:20], look["reason"]) for look in await _looks(client, a)] == [
        ("xuất danh sách hộ có", why),
        ("danh sách hộ tỉnh 31", ""),
    ]
