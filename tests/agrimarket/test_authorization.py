"""Every row is owned: who may read and write which product and cooperative."""

from __future__ import annotations

import pytest

from agrimarket.accounts.actor import Role


async def _other_province_commune(client) -> str:
    rows = (await client.get("/api/v1/areas/communes/search", params={"q": "soc son"})).json()
    return next(r["code"] for r in rows if r["province_code"] != "31")


async def _product_ops(client, product_id: int, headers: dict) -> dict[str, int]:
    return {
        "read": (await client.get(f"/api/v1/products/{product_id}", headers=headers)).status_code,
        "update": (
            await client.patch(f"/api/v1/products/{product_id}", json={"stock": 1}, headers=headers)
        ).status_code,
        "photo": (
            await client.post(
                f"/api/v1/products/{product_id}/photos",
                files={"photo": ("a.jpg", b"x", "image/jpeg")},
                headers=headers,
            )
        ).status_code,
        "delete": (await client.delete(f"/api/v1/products/{product_id}", headers=headers)).status_code,
    }


async def test_household_cannot_touch_another_households_product(client, accounts):
    owner = await accounts.household()
    stranger = await accounts.household()
    product = await accounts.product(owner)
    assert await _product_ops(client, product["id"], stranger.headers) == {
        "read": 404,
        "update": 404,
        "photo": 404,
        "delete": 404,
    }
    listed = (await client.get("/api/v1/products/", headers=stranger.headers)).json()
    assert listed == []
    # Nor create one in another household's name.
    response = await accounts.post_product(stranger, owner_household_id=owner.me["household_id"])
    assert response.status_code == 403
    after = (await client.get(f"/api/v1/products/{product['id']}", headers=owner.headers)).json()
    assert after["stock"] == product["stock"]


async def test_anonymous_gets_401_everywhere(client, accounts):
    owner = await accounts.household()
    product = await accounts.product(owner)
    for status in (await _product_ops(client, product["id"], {})).values():
        assert status == 401
    assert (await client.get("/api/v1/products/")).status_code == 401
    assert (await client.post("/api/v1/cooperatives/", json={})).status_code == 401
    assert (await client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})).status_code == 401


async def test_coop_manager_reaches_members_only(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    outsider = await accounts.household()
    await accounts.join(manager, coop_id, member)
    member_product = await accounts.product(member, name="Sá sùng")
    outsider_product = await accounts.product(outsider, name="Tôm khô")

    visible = {p["name"] for p in (await client.get("/api/v1/products/", headers=manager.headers)).json()}
    assert visible == {"Sá sùng"}
    assert (
        await client.patch(
            f"/api/v1/products/{member_product['id']}", json={"stock": 7}, headers=manager.headers
        )
    ).status_code == 200
    assert await _product_ops(client, outsider_product["id"], manager.headers) == {
        "read": 404,
        "update": 404,
        "photo": 404,
        "delete": 404,
    }

    # Once the household leaves, the manager loses access.
    leave = await client.delete(
        f"/api/v1/cooperatives/{coop_id}/members/{member.me['household_id']}", headers=manager.headers
    )
    assert leave.status_code == 204
    assert (
        await client.get(f"/api/v1/products/{member_product['id']}", headers=manager.headers)
    ).status_code == 404


async def test_coop_manager_cannot_see_another_cooperative(client, accounts):
    _, coop_a = await accounts.coop_manager(seed=1)
    manager_b, _ = await accounts.coop_manager(seed=2)
    assert (await client.get(f"/api/v1/cooperatives/{coop_a}", headers=manager_b.headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/cooperatives/{coop_a}/members", headers=manager_b.headers)
    ).status_code == 404
    response = await client.post(
        f"/api/v1/cooperatives/{coop_a}/members",
        json={"phone": "0912999999", "head_name": "X"},
        headers=manager_b.headers,
    )
    assert response.status_code == 404


@pytest.mark.parametrize("scope", ["province", "commune"])
async def test_officer_reads_own_area_only_and_cannot_write(client, accounts, scope):
    far_commune = await _other_province_commune(client)
    local = await accounts.household()
    far = await accounts.household(commune=far_commune)
    local_product = await accounts.product(local, name="Na")
    far_product = await accounts.product(far, name="Chè")
    officer = await accounts.staff(Role.OFFICER, "31" if scope == "province" else "11914")

    names = {p["name"] for p in (await client.get("/api/v1/products/", headers=officer.headers)).json()}
    assert names == {"Na"}
    ops = await _product_ops(client, local_product["id"], officer.headers)
    assert ops == {"read": 200, "update": 403, "photo": 403, "delete": 403}
    assert (await _product_ops(client, far_product["id"], officer.headers))["read"] == 404
    response = await accounts.post_product(officer, owner_household_id=local.me["household_id"])
    assert response.status_code == 403
    assert "Cán bộ" in response.json()["error"]["message"]


async def test_admin_reaches_everything(client, accounts):
    owner = await accounts.household()
    product = await accounts.product(owner)
    admin = await accounts.staff(Role.ADMIN)
    assert (await client.get(f"/api/v1/products/{product['id']}", headers=admin.headers)).status_code == 200
    assert (
        await client.patch(f"/api/v1/products/{product['id']}", json={"stock": 3}, headers=admin.headers)
    ).status_code == 200
