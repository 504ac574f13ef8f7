"""Builders for integration tests: a seller with an account on a marketplace, products with photos."""

from __future__ import annotations

import io

from PIL import Image

from integrations.simulators.credentials import demo_credentials
from integrations.simulators.shopee_catalog import ORIGIN, VIETNAM


def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "#3f9a3c").save(out, "WEBP")
    return out.getvalue()


# A stored product photo as our pages keep it (WebP); Shopee gets it re-encoded as JPEG.
WEBP_PHOTO = _webp()
# The farmer's answer every Shopee food category asks for: made in Việt Nam.
SHOPEE_ANSWERS = {f"shopee.{ORIGIN}": str(VIETNAM)}


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

    overrides.setdefault("marketplace_attributes", SHOPEE_ANSWERS)
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
