"""A cooperative manager creates the cooperative, invites or signs up households and lists for them."""

from __future__ import annotations

from agrimarket.tables import Cooperative, CoopMembership, Household, User
from tests.factories import CAT_HAI, PASSWORD, new_phone, tax_code


async def test_create_cooperative_validates_tax_code(client, accounts):
    manager = await accounts.register("coop_manager")
    bad = await client.post(
        "/api/v1/cooperatives/",
        json={"name": "HTX Cát Hải", "tax_code": "0123456789", "commune_code": CAT_HAI},
        headers=manager.headers,
    )
    assert bad.status_code == 422
    assert "Mã số thuế" in bad.json()["error"]["message"]
    good = await client.post(
        "/api/v1/cooperatives/",
        json={"name": "HTX Cát Hải", "tax_code": "0100109106", "commune_code": CAT_HAI},
        headers=manager.headers,
    )
    assert good.status_code == 201, good.text
    assert good.json()["commune_name"] == "Đặc khu Cát Hải"
    # A household cannot create a cooperative.
    farmer = await accounts.household()
    response = await client.post(
        "/api/v1/cooperatives/",
        json={"name": "HTX", "tax_code": tax_code(9), "commune_code": CAT_HAI},
        headers=farmer.headers,
    )
    assert response.status_code == 403
    assert await Cooperative.count() == 1


async def test_invited_and_signed_up_members_and_list_on_their_behalf(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    existing = await accounts.household()
    new_phone_number = new_phone()

    await accounts.join(manager, coop_id, existing)
    # A registered household is invited, never signed up again by the manager.
    again = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"phone": existing.phone, "head_name": "Ai đó"},
        headers=manager.headers,
    )
    assert again.status_code == 409 and "lời mời" in again.json()["error"]["message"]
    missing_name = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members", json={"phone": new_phone_number}, headers=manager.headers
    )
    assert missing_name.status_code == 422
    assert "head_name" in missing_name.json()["error"]["fields"]
    created = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"phone": new_phone_number, "head_name": "Phạm Văn Đức"},
        headers=manager.headers,
    )
    assert created.status_code == 201, created.text
    members = {m["phone"]: m for m in created.json()}
    assert set(members) == {existing.phone, new_phone_number}
    assert members[new_phone_number]["commune_code"] == CAT_HAI  # defaults to the cooperative's commune
    assert members[new_phone_number]["has_login"] is False  # no password until the farmer claims it
    assert members[existing.phone]["has_login"] is True

    new_household = members[new_phone_number]["household_id"]
    product = await accounts.product(manager, name="Cá song", owner_household_id=new_household)
    assert product["owner"]["id"] == new_household
    assert product["created_by_id"] == manager.me["id"]

    # The cooperative's own product.
    coop_product = await accounts.product(manager, name="Mật ong")
    assert coop_product["owner"]["kind"] == "cooperative"


async def test_membership_history_is_kept(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    household_id = farmer.me["household_id"]
    url = f"/api/v1/cooperatives/{coop_id}/members"
    await accounts.join(manager, coop_id, farmer)
    invite = f"/api/v1/cooperatives/{coop_id}/invitations"
    member_again = await client.post(invite, json={"phone": farmer.phone}, headers=manager.headers)
    assert member_again.status_code == 409
    assert (await client.delete(f"{url}/{household_id}", headers=manager.headers)).status_code == 204
    await accounts.join(manager, coop_id, farmer)
    rows = (
        await CoopMembership.select()
        .where(CoopMembership.household == household_id)
        .order_by(CoopMembership.id)
    )
    assert len(rows) == 2
    assert rows[0]["left_at"] is not None and rows[1]["left_at"] is None
    assert rows[0]["ended_by"] == "cooperative"
    assert (await Household.select(Household.cooperative).where(Household.id == household_id).first())[
        "cooperative"
    ] == coop_id


async def test_member_of_another_cooperative_cannot_accept_until_it_leaves(client, accounts):
    manager_a, coop_a = await accounts.coop_manager(seed=3)
    manager_b, coop_b = await accounts.coop_manager(seed=4)
    farmer = await accounts.household()
    await accounts.join(manager_a, coop_a, farmer)
    invited = await client.post(
        f"/api/v1/cooperatives/{coop_b}/invitations", json={"phone": farmer.phone}, headers=manager_b.headers
    )
    assert invited.status_code == 201, invited.text
    accept = f"/api/v1/invitations/{invited.json()['id']}/accept"
    response = await client.post(accept, headers=farmer.headers)
    assert response.status_code == 409
    assert "HTX khác" in response.json()["error"]["message"]
    # It leaves A (its own id), then B's invitation can be accepted: one cooperative at a time.
    leave = f"/api/v1/cooperatives/{coop_a}/members/{farmer.me['household_id']}"
    assert (await client.delete(leave, headers=farmer.headers)).status_code == 204
    assert (await client.post(accept, headers=farmer.headers)).status_code == 200
    assert (await Household.select(Household.cooperative).first())["cooperative"] == coop_b


async def test_signed_up_phone_is_claimed_by_registration_not_refused(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    await accounts.sign_up(manager, coop_id, phone=phone)
    response = await client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Lê Thị Em", "commune_code": CAT_HAI},
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending" and "cán bộ" in response.json()["message"]
    # Still one account for the phone, and no password works until an officer confirms.
    assert await User.count().where(User.phone == phone) == 1
    login = await client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    assert login.status_code == 401
