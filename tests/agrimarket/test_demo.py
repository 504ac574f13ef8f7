"""The demo seed: real rows through the real services, usable logins, photos served, idempotent."""

from __future__ import annotations

from urllib.parse import urlsplit

from agrimarket import demo
from agrimarket.products.catalog import unit_weight_grams
from agrimarket.tables import Commune, Cooperative, CoopMembership, Household, Product, ProductPhoto, User

COUNTED = (User, Household, Cooperative, CoopMembership, Product, ProductPhoto)


async def _counts() -> dict[str, int]:
    return {table.__name__: await table.count() for table in COUNTED}


async def test_seed_builds_a_usable_demo_once(client):
    lines = await demo.seed()
    assert lines[0] == f"Demo logins (password: {demo.PASSWORD}):"
    assert any(demo.member_phone(0) in line and demo.MEMBERS[0] in line for line in lines)

    assert await User.count().where(User.role == "admin") == 1
    officers = await User.select(User.scope_province, User.scope_commune).where(User.role == "officer")
    assert officers == [{"scope_province": "31", "scope_commune": None}]

    coop = await Cooperative.select().where(Cooperative.name == demo.COOP[0]).first()
    assert coop["commune"] == "11914"
    assert await Household.count().where(Household.cooperative == coop["id"]) == 12
    assert await CoopMembership.count().where(CoopMembership.cooperative == coop["id"]) == 12
    manager = await User.select().where(User.phone == demo.MANAGER[0]).first()
    assert manager["role"] == "coop_manager" and manager["cooperative"] == coop["id"]

    products = await Product.select(Product.id, Product.name)
    assert len(products) >= 30
    # Every product has a weight per unit, implied or typed: any of them may be listed on Shopee.
    weights = await Product.select(Product.unit, Product.unit_weight_g)
    assert all(unit_weight_grams(row["unit"], row["unit_weight_g"]) for row in weights), weights
    with_photo = set(await ProductPhoto.select(ProductPhoto.product).output(as_list=True))
    assert {p["id"] for p in products} <= with_photo
    member_made = await Product.select(Product.created_by).where(
        Product.owner_household.cooperative == coop["id"]
    )
    assert member_made and {row["created_by"] for row in member_made} == {manager["id"]}
    assert await Product.count().where(Product.owner_cooperative == coop["id"]) > 0

    communes = await Household.select(Household.commune).where(Household.cooperative.is_null())
    provinces = set(
        await Commune.select(Commune.province)
        .where(Commune.code.is_in([row["commune"] for row in communes]))
        .output(as_list=True)
    )
    # Independent farmers across the country, besides the Hải Phòng households with declared shops.
    assert len(provinces - {"31"}) >= 3

    login = await client.post(
        "/api/v1/auth/login", json={"phone": demo.member_phone(0), "password": demo.PASSWORD}
    )
    assert login.status_code == 200, login.text

    product = next(p for p in products if p["name"] == "Cá song nuôi lồng")
    page = await client.get(f"/p/{product['id']}")
    assert page.status_code == 200 and "Cá song nuôi lồng" in page.text

    token = (
        await client.post("/api/v1/auth/login", json={"phone": demo.MANAGER[0], "password": demo.PASSWORD})
    ).json()["token"]
    body = (
        await client.get(f"/api/v1/products/{product['id']}", headers={"Authorization": f"Bearer {token}"})
    ).json()
    image = await client.get(urlsplit(body["photos"][0]["url"]).path)
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/webp")
    assert image.content[:4] == b"RIFF" and image.content[8:12] == b"WEBP"

    # The cooperative's own products take VietQR transfers into its bank account.
    coop_product = await Product.select(Product.id).where(Product.owner_cooperative == coop["id"]).first()
    page = await client.get(f"/p/{coop_product['id']}")
    assert (
        f"/p/{coop_product['id']}/vietqr.png" in page.text and "HTX DICH VU NONG NGHIEP CAT HAI" in page.text
    )
    assert (await client.get(f"/p/{coop_product['id']}/vietqr.png")).status_code == 200

    before = await _counts()
    again = await demo.seed()
    assert again[: len(demo._logins())] == demo._logins()
    assert await _counts() == before
