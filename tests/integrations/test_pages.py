"""The farmer's view: "Đăng bán trên Postmart" on the card, then "Đang bán — xem trên Postmart"."""

from __future__ import annotations

from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo


async def test_card_publish_button_then_live_link(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    await web_login(client, farmer.phone)
    page = await client.get("/products")
    assert "Đăng bán trên Postmart" in page.text and "Voso" not in page.text
    headers = {"x-csrftoken": csrf(page.text), "HX-Request": "true"}
    fragment = await client.post(f"/products/{product['id']}/listings/postmart", headers=headers)
    assert fragment.status_code == 200 and "Đang chờ" in fragment.text
    refused = await client.post(f"/products/{product['id']}/listings/voso", headers=headers)
    assert refused.status_code == 422 and "kết nối tài khoản Voso" in refused.text
    await drain(worker)
    page = await client.get("/products")
    assert "Đang bán" in page.text and "xem trên Postmart" in page.text
    assert sims["postmart"].url + "/item/" in page.text
    public = await client.get(f"/p/{product['id']}")
    assert "Mua trên:" in public.text and sims["postmart"].url in public.text
    # The link opens the simulated storefront item.
    shop = sims["postmart"].state
    assert len(shop.live_items("shop-1")) == 1
