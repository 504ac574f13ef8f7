"""Products over the API: fields, validation, updates, public page."""

from __future__ import annotations

from agrimarket.tables import Product


async def test_create_read_update_product(client, accounts):
    farmer = await accounts.household()
    created = await accounts.product(
        farmer,
        name="Na Cát Hải",
        category="trai_cay",
        unit="kg",
        price_vnd=60000,
        stock=50,
        harvest_season="Tháng 7 – tháng 9",
        certifications=["vietgap", "ocop_3"],
        gtin="8938505974194",
    )
    assert created["owner"] == {"kind": "household", "id": farmer.me["household_id"], "name": "Nguyễn Văn An"}
    assert created["created_by_id"] == farmer.me["id"]
    assert created["gtin"] == "08938505974194"
    assert created["origin"] == "Đặc khu Cát Hải, Thành phố Hải Phòng"
    assert created["public_url"].endswith(f"/p/{created['id']}")

    response = await client.patch(
        f"/api/v1/products/{created['id']}", json={"stock": 42}, headers=farmer.headers
    )
    assert response.status_code == 200
    assert response.json()["stock"] == 42
    assert response.json()["price_vnd"] == 60000

    listed = (await client.get("/api/v1/products/", headers=farmer.headers)).json()
    assert [p["id"] for p in listed] == [created["id"]]


async def test_invalid_fields_all_reported_and_nothing_written(client, accounts):
    farmer = await accounts.household()
    response = await client.post(
        "/api/v1/products/",
        json={
            "name": "",
            "category": "xe_may",
            "unit": "kg",
            "price_vnd": 0,
            "certifications": ["ocop_3", "ocop_4"],
            "gtin": "8938505974195",
        },
        headers=farmer.headers,
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"name", "category", "price_vnd", "certifications", "gtin"}
    assert "1.000.000.000" in fields["price_vnd"]
    assert await Product.count() == 0


async def test_price_bounds(client, accounts):
    farmer = await accounts.household()
    base = {"name": "Gạo", "category": "lua_gao", "unit": "kg"}
    for price, status in ((1, 201), (1_000_000_000, 201), (1_000_000_001, 422), (-5, 422)):
        response = await client.post(
            "/api/v1/products/", json=base | {"price_vnd": price}, headers=farmer.headers
        )
        assert response.status_code == status, (price, response.text)


async def test_malformed_body_is_422_not_500(client, accounts):
    farmer = await accounts.household()
    for body in (
        '{"name": 5}',
        "not json",
        '{"name": "x", "category": "rau_cu", "unit": "kg", "price_vnd": "abc"}',
    ):
        response = await client.post(
            "/api/v1/products/", content=body, headers=farmer.headers | {"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, body
        assert "error" in response.json()
    response = await client.patch("/api/v1/products/1", json={"unknown_field": 1}, headers=farmer.headers)
    assert response.status_code in (404, 422)


async def test_public_page_shows_active_products_only(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(
        farmer, name="Mực một nắng", category="hai_san", unit="kg", price_vnd=450000
    )
    page = await client.get(f"/p/{product['id']}")
    assert page.status_code == 200
    assert "Mực một nắng" in page.text
    assert "450.000 đ" in page.text
    assert "Đặc khu Cát Hải" in page.text
    await client.patch(f"/api/v1/products/{product['id']}", json={"status": "draft"}, headers=farmer.headers)
    assert (await client.get(f"/p/{product['id']}")).status_code == 404


async def test_delete_product(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    assert (
        await client.delete(f"/api/v1/products/{product['id']}", headers=farmer.headers)
    ).status_code == 204
    assert (await client.get(f"/api/v1/products/{product['id']}", headers=farmer.headers)).status_code == 404


async def test_catalog_lists_vietnamese_labels(client):
    catalog = (await client.get("/api/v1/catalog")).json()
    assert catalog["units"]["bo"][0] == "bó"
    assert catalog["certifications"]["ocop_4"] == ["OCOP 4 sao", "OCOP 4 stars"]
