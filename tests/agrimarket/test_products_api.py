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
        gtin="9506000134352",
    )
    assert created["owner"] == {"kind": "household", "id": farmer.me["household_id"], "name": "Nguyễn Văn An"}
    assert created["created_by_id"] == farmer.me["id"]
    assert created["gtin"] == "09506000134352"
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
            "gtin": "9506000134353",
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


async def test_unknown_fields_on_an_existing_product_are_refused_and_change_nothing(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, stock=5)
    url = f"/api/v1/products/{product['id']}"
    before = (await client.get(url, headers=farmer.headers)).json()
    for body, unknown in (
        ({"unknown_field": 1}, "unknown_field"),
        ({"stock": 42, "unknown_field": 1}, "unknown_field"),  # a known change does not slip through
        ({"stock": 42, "owner_household_id": 7}, "owner_household_id"),  # create-only: no change of owner
        ({"stock": 42, "id": 9}, "id"),  # read-only
        ({"Stock": 42}, "Stock"),  # names are exact
    ):
        refused = await client.patch(url, json=body, headers=farmer.headers)
        assert refused.status_code == 422, (body, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "invalid" and error["message"] and error["fields"], body
        english = await client.patch(url, json=body, headers=farmer.headers | {"Accept-Language": "en"})
        assert f"unknown field `{unknown}`" in english.json()["error"]["fields"]["data"], body
        assert (await client.get(url, headers=farmer.headers)).json() == before, body
    assert (await Product.select(Product.stock).where(Product.id == product["id"]).first())["stock"] == 5


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
    assert catalog["unit_grams"]["kg"] == 1000 and "bo" not in catalog["unit_grams"]


async def test_unit_weight_is_optional_and_round_trips(client, accounts):
    farmer = await accounts.household()
    assert (await accounts.product(farmer))["unit_weight_g"] is None  # still valid without a weight
    bunch = await accounts.product(farmer, unit="bo", unit_weight_g=500)
    assert bunch["unit_weight_g"] == 500
    url = f"/api/v1/products/{bunch['id']}"
    changed = await client.patch(url, json={"unit_weight_g": 750}, headers=farmer.headers)
    assert changed.status_code == 200 and changed.json()["unit_weight_g"] == 750
    read = (await client.get(url, headers=farmer.headers)).json()
    assert read["unit_weight_g"] == 750 and read["price_vnd"] == bunch["price_vnd"]
    cleared = await client.patch(url, json={"unit_weight_g": None}, headers=farmer.headers)
    assert cleared.json()["unit_weight_g"] is None
    assert (await Product.select(Product.unit_weight_g).where(Product.id == bunch["id"]).first()) == {
        "unit_weight_g": None
    }


async def test_unit_weight_bounds_and_bilingual_message(client, accounts):
    farmer = await accounts.household()
    base = {"name": "Dừa xiêm", "category": "trai_cay", "unit": "qua", "price_vnd": 15000}
    for grams, status in ((1, 201), (100_000, 201), (100_001, 422), (0, 422), (-5, 422)):
        response = await client.post(
            "/api/v1/products/", json=base | {"unit_weight_g": grams}, headers=farmer.headers
        )
        assert response.status_code == status, (grams, response.text)
    refused = await client.post("/api/v1/products/", json=base | {"unit_weight_g": 0}, headers=farmer.headers)
    assert refused.json()["error"]["fields"] == {
        "unit_weight_g": "Khối lượng mỗi đơn vị phải là số gam nguyên, từ 1 đến 100.000 g (VD: 500)."
    }
    english = await client.post(
        "/api/v1/products/",
        json=base | {"unit_weight_g": 100_001},
        headers=farmer.headers | {"Accept-Language": "en"},
    )
    assert "whole number of grams, from 1 to 100,000" in english.json()["error"]["fields"]["unit_weight_g"]
    created = await Product.select(Product.unit_weight_g).order_by(Product.id)
    assert [row["unit_weight_g"] for row in created] == [1, 100_000]
    first = await Product.select(Product.id).order_by(Product.id).first()
    patched = await client.patch(
        f"/api/v1/products/{first['id']}", json={"unit_weight_g": 200_000}, headers=farmer.headers
    )
    assert patched.status_code == 422 and "unit_weight_g" in patched.json()["error"]["fields"]


def test_typed_grams_are_read_as_people_write_them():
    from agrimarket.products.catalog import unit_weight_grams
    from agrimarket.products.fields import parse_grams

    for typed, grams in (("500", 500), ("1.500", 1500), ("1 500 g", 1500), ("250gam", 250), (300, 300)):
        assert parse_grams(typed) == grams, typed
    for typed in ("0,5", "1.5", "1,50", "abc", "1kg", True):
        assert parse_grams(typed) is None, typed
    # A mass unit implies its weight; any other unit takes what the farmer typed.
    assert unit_weight_grams("kg", None) == 1000 and unit_weight_grams("yen", 300) == 10_000
    assert unit_weight_grams("bo", 400) == 400 and unit_weight_grams("hop", None) is None
