"""A cooperative manager creates the cooperative, adds households and lists for them."""

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


async def test_add_existing_and_new_members_and_list_on_their_behalf(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    existing = await accounts.household()
    new_phone_number = new_phone()

    added = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members", json={"phone": existing.phone}, headers=manager.headers
    )
    assert added.status_code == 201
    missing_name = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members", json={"phone": new_phone_number}, headers=manager.headers
    )
    assert missing_name.status_code == 422
    assert "head_name" in missing_name.json()["error"]["fields"]
    created = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"phone": new_phone_number, "head_name": "Phạm Văn Đức", "password": PASSWORD},
        headers=manager.headers,
    )
    assert created.status_code == 201, created.text
    members = {m["phone"]: m for m in created.json()}
    assert set(members) == {existing.phone, new_phone_number}
    assert members[new_phone_number]["commune_code"] == CAT_HAI  # defaults to the cooperative's commune
    assert members[new_phone_number]["has_login"] is True

    new_household = members[new_phone_number]["household_id"]
    product = await accounts.product(manager, name="Cá song", owner_household_id=new_household)
    assert product["owner"]["id"] == new_household
    assert product["created_by_id"] == manager.me["id"]
    # The household created by the manager logs in and sees the product as its own.
    member_session = await accounts.login(new_phone_number)
    own = (await client.get("/api/v1/products/", headers=member_session.headers)).json()
    assert [p["name"] for p in own] == ["Cá song"]

    # The cooperative's own product.
    coop_product = await accounts.product(manager, name="Mật ong")
    assert coop_product["owner"]["kind"] == "cooperative"


async def test_membership_history_is_kept(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    household_id = farmer.me["household_id"]
    url = f"/api/v1/cooperatives/{coop_id}/members"
    assert (await client.post(url, json={"phone": farmer.phone}, headers=manager.headers)).status_code == 201
    assert (await client.post(url, json={"phone": farmer.phone}, headers=manager.headers)).status_code == 409
    assert (await client.delete(f"{url}/{household_id}", headers=manager.headers)).status_code == 204
    assert (await client.post(url, json={"phone": farmer.phone}, headers=manager.headers)).status_code == 201
    rows = (
        await CoopMembership.select()
        .where(CoopMembership.household == household_id)
        .order_by(CoopMembership.id)
    )
    assert len(rows) == 2
    assert rows[0]["left_at"] is not None and rows[1]["left_at"] is None
    assert (await Household.select(Household.cooperative).where(Household.id == household_id).first())[
        "cooperative"
    ] == coop_id


async def test_member_of_another_cooperative_is_refused(client, accounts):
    manager_a, coop_a = await accounts.coop_manager(seed=3)
    manager_b, coop_b = await accounts.coop_manager(seed=4)
    farmer = await accounts.household()
    await client.post(
        f"/api/v1/cooperatives/{coop_a}/members", json={"phone": farmer.phone}, headers=manager_a.headers
    )
    response = await client.post(
        f"/api/v1/cooperatives/{coop_b}/members", json={"phone": farmer.phone}, headers=manager_b.headers
    )
    assert response.status_code == 409
    assert "HTX khác" in response.json()["error"]["message"]


async def test_household_created_by_cooperative_cannot_be_claimed_by_self_registration(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"phone": phone, "head_name": "Lê Thị Em"},
        headers=manager.headers,
    )
    response = await client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Kẻ mạo danh", "commune_code": CAT_HAI},
    )
    assert response.status_code == 409
    assert await User.count().where(User.phone == phone) == 0
