"""Where one account reads another household's data, the processing log has it: a manager's member
list and a member's order on the desk, an officer's claims list, an admin's message log and audit
log. The officers' indicator exports carry no phone number at all."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from agrimarket.accounts.actor import Role
from agrimarket.privacy import access_log
from agrimarket.tables import DataAccess, Household
from integrations.tables import MarketplaceOrder
from tests.agrimarket.indicators.helpers import vn
from tests.agrimarket.indicators.test_participation import PERIOD, listed, order, seed
from tests.factories import CAT_HAI, HAI_PHONG, PASSWORD, new_phone


async def _looks(client, session) -> list[tuple[str, str]]:
    response = await client.get("/api/v1/me/data-access", headers=session.headers)
    assert response.status_code == 200, response.text
    return [(look["role"], look["what"]) for look in response.json()]


async def test_a_manager_reading_its_members_and_a_members_order_is_logged(client, accounts):
    manager, coop = await accounts.coop_manager()
    member = await accounts.household(name="Hộ Thành Viên")
    await accounts.join(manager, coop, member)
    members = await client.get(f"/api/v1/cooperatives/{coop}/members", headers=manager.headers)
    assert members.status_code == 200
    assert await _looks(client, member) == [("coop_manager", f"danh sách thành viên HTX {coop}")]

    external = await listed("postmart", ("live", vn(2026, 1, 10)), household_id=member.me["household_id"])
    await order("postmart", "OM1", external, vn(2026, 1, 12), 120_000, "placed")
    order_id = (await MarketplaceOrder.select(MarketplaceOrder.id).first())["id"]
    # The member working its own order is not logged; its manager's look is.
    assert (await client.get(f"/api/v1/orders/{order_id}", headers=member.headers)).status_code == 200
    assert len(await _looks(client, member)) == 1
    assert (await client.get(f"/api/v1/orders/{order_id}", headers=manager.headers)).status_code == 200
    assert (await client.get("/api/v1/orders/inbox", headers=manager.headers)).status_code == 200
    looks = await _looks(client, member)
    assert looks[:2] == [("coop_manager", "hộp đơn hàng"), ("coop_manager", f"đơn hàng {order_id}")]


async def test_an_officers_claims_and_an_admins_message_and_audit_logs_are_logged(client, accounts):
    manager, coop = await accounts.coop_manager()
    phone = new_phone()
    household_id = await accounts.sign_up(manager, coop, "Hộ Nhờ Đăng Ký", phone=phone)
    claimed = await client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Hộ Nhận Lại", "commune_code": CAT_HAI},
    )
    assert claimed.status_code == 202
    officer = await accounts.staff(Role.OFFICER)
    assert (await client.get("/api/v1/account-claims/", headers=officer.headers)).status_code == 200
    admin = await accounts.staff(Role.ADMIN)
    assert (await client.get("/api/v1/audit/", headers=admin.headers)).status_code == 200
    rows = await DataAccess.select(DataAccess.role, DataAccess.what).order_by(DataAccess.id)
    assert {"role": "officer", "what": "yêu cầu nhận lại tài khoản"} in rows
    assert {"role": "admin", "what": "nhật ký thay đổi"} in rows
    # The claimed household has no password yet: its looks are read as "My data" will show them.
    assert [look.what for look in await access_log.looks_at(household_id)] == [
        "nhật ký thay đổi",  # the admin's, newest first
        "yêu cầu nhận lại tài khoản",
        f"danh sách thành viên HTX {coop}",  # the manager's list after signing it up
    ]

    reader = await accounts.household()
    await accounts.join(manager, coop, reader)  # the invitation is a message to the household
    assert (await client.get("/api/v1/admin/messages", headers=admin.headers)).status_code == 200
    assert ("admin", "nhật ký tin nhắn") in await _looks(client, reader)


async def test_indicator_exports_carry_no_phone_number(client, accounts):
    await seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    phones = [row["phone"] for row in await Household.select(Household.phone)]
    assert phones
    params = PERIOD | {"area": HAI_PHONG}
    texts = []
    for path in (
        "/api/v1/indicators/",
        "/api/v1/indicators/export.csv",
        "/api/v1/open-data/households-selling.csv",
    ):
        response = await client.get(path, params=params, headers=officer.headers)
        assert response.status_code == 200, response.text
        texts.append(response.content.decode("utf-8-sig"))
    xlsx = await client.get("/api/v1/indicators/export.xlsx", params=params, headers=officer.headers)
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    texts.append(
        " ".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    )
    for text in texts:
        assert not [phone for phone in phones if phone in text or phone[1:] in text]
    # Nor does reading them put anything in the processing log: no household's data was shown.
    assert await DataAccess.count() == 0
