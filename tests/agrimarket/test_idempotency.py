"""Idempotency keys (issue 22): a write sent again with the same key is applied once, on both engines."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from agrimarket import clock
from agrimarket.tables import IdempotentRequest, Product, ProductPhoto
from agrimarket.web.idempotency import KEEP_FOR
from tests.agrimarket.test_photos_api import jpeg
from tests.agrimarket.test_web_pages import csrf, web_login

KEY = "phone-7f3a9c2e-0001"


async def _stock(product_id: int) -> int:
    return (await Product.select(Product.stock).where(Product.id == product_id).first())["stock"]


async def test_a_stock_tap_sent_twice_is_applied_once_and_answered_alike(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, stock=5)
    await web_login(client, farmer.phone)
    headers = {"x-csrftoken": csrf((await client.get("/products")).text), "HX-Request": "true"}
    url = f"/products/{product['id']}/stock"
    first = await client.post(url, data={"delta": "1"}, headers=headers | {"Idempotency-Key": KEY})
    again = await client.post(url, data={"delta": "1"}, headers=headers | {"Idempotency-Key": KEY})
    assert first.status_code == again.status_code == 200
    assert "Còn 6" in first.text and again.text == first.text
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.headers["content-type"] == first.headers["content-type"]
    assert await _stock(product["id"]) == 6
    other = await client.post(url, data={"delta": "1"}, headers=headers | {"Idempotency-Key": KEY + "-2"})
    assert other.status_code == 200 and await _stock(product["id"]) == 7
    plain = await client.post(url, data={"delta": "1"}, headers=headers)  # no key: as before
    assert plain.status_code == 200 and await _stock(product["id"]) == 8


async def test_the_same_key_with_another_body_is_refused(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, price_vnd=15000)
    url = f"/api/v1/products/{product['id']}"
    headers = farmer.headers | {"Idempotency-Key": KEY}
    assert (await client.patch(url, json={"price_vnd": 18000}, headers=headers)).status_code == 200
    changed = await client.patch(url, json={"price_vnd": 19000}, headers=headers)
    assert changed.status_code == 422
    assert "đã dùng cho một yêu cầu khác" in changed.json()["error"]["message"]
    assert (await client.get(url, headers=farmer.headers)).json()["price_vnd"] == 18000


async def test_keys_belong_to_their_user(client, accounts):
    first, second = await accounts.household(), await accounts.household()
    for farmer in (first, second):
        response = await accounts.client.post(
            "/api/v1/products/",
            json={"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": 15000, "stock": 20},
            headers=farmer.headers | {"Idempotency-Key": KEY},
        )
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    assert await Product.count() == 2


async def test_a_refusal_is_remembered_without_its_write(client, accounts):
    """A refused write (4xx) commits nothing, and its repeat is refused alike without running again."""
    farmer = await accounts.household()
    url, headers = "/api/v1/products/", farmer.headers | {"Idempotency-Key": KEY}
    bad = {"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": -1, "stock": 20}
    refused = await client.post(url, json=bad, headers=headers)
    again = await client.post(url, json=bad, headers=headers)
    assert refused.status_code == again.status_code == 422
    assert again.json() == refused.json() and again.headers["idempotent-replayed"] == "true"
    assert await Product.count() == 0


async def test_a_bad_key_or_no_sign_in_is_a_clear_4xx(client, accounts):
    farmer = await accounts.household()
    payload = {"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": 15000, "stock": 20}
    short = await client.post(
        "/api/v1/products/", json=payload, headers=farmer.headers | {"Idempotency-Key": "x"}
    )
    assert short.status_code == 422 and "Idempotency-Key" in short.json()["error"]["message"]
    anonymous = await client.post("/api/v1/products/", json=payload, headers={"Idempotency-Key": KEY})
    assert anonymous.status_code == 401
    assert await Product.count() == 0 and await IdempotentRequest.count() == 0


async def test_a_photo_form_sent_again_with_a_new_boundary_is_the_same_request(client, accounts):
    """A phone re-sends the stored FormData: multipart draws a new boundary each time."""
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    url, photo = f"/api/v1/products/{product['id']}/photos", jpeg()
    answers = [
        await client.post(
            url,
            files={"photo": ("a.jpg", photo, "image/jpeg")},
            headers=farmer.headers | {"Idempotency-Key": KEY},
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content.split(b"boundary")[0] == answers[1].content.split(b"boundary")[0]
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert await ProductPhoto.count() == 1


async def test_twins_sent_at_once_apply_once(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, stock=5)
    url, headers = f"/api/v1/products/{product['id']}", farmer.headers | {"Idempotency-Key": KEY}
    answers = await asyncio.gather(*(client.patch(url, json={"stock": 9}, headers=headers) for _ in range(4)))
    assert {a.status_code for a in answers} == {200}
    assert sum("idempotent-replayed" in a.headers for a in answers) == 3
    assert await IdempotentRequest.count() == 1


async def test_a_key_expires_and_expired_keys_are_purged(client, accounts, monkeypatch):
    farmer = await accounts.household()
    product = await accounts.product(farmer, stock=5)
    url, headers = f"/api/v1/products/{product['id']}", farmer.headers
    await client.patch(url, json={"stock": 6}, headers=headers | {"Idempotency-Key": KEY})
    later = clock.now() + KEEP_FOR + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    again = await client.patch(url, json={"stock": 6}, headers=headers | {"Idempotency-Key": KEY})
    assert again.status_code == 200 and "idempotent-replayed" not in again.headers  # a new write
    await client.patch(url, json={"stock": 7}, headers=headers | {"Idempotency-Key": KEY + "-next"})
    keys = await IdempotentRequest.select(IdempotentRequest.key).order_by(IdempotentRequest.id)
    assert [k["key"] for k in keys] == [KEY, KEY + "-next"]  # the old record replaced, none left over
    assert all(k["expires_at"] > later for k in await IdempotentRequest.select(IdempotentRequest.expires_at))
