"""Builders for integration tests: a seller with an account on a marketplace, products with photos."""

from __future__ import annotations

from integrations.simulators.credentials import demo_credentials


async def connect(client, session, code: str, shop_id: str = "shop-1") -> dict:
    response = await client.post(
        "/api/v1/marketplace-accounts",
        json={"marketplace": code, "shop_id": shop_id, "credentials": demo_credentials(code, shop_id)},
        headers=session.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def product_with_photo(accounts, session, **overrides) -> dict:
    from agrimarket.tables import ProductPhoto

    product = await accounts.product(session, **overrides)
    await ProductPhoto.insert(
        ProductPhoto(
            product=product["id"], image_key=f"p/{product['id']}.webp", thumb_key="t.webp", width=1, height=1
        )
    )
    return product


async def publish(client, session, product_id: int, code: str):
    return await client.post(
        f"/api/v1/products/{product_id}/listings", json={"marketplace": code}, headers=session.headers
    )
