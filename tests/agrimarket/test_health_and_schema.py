from agrimarket.products.catalog import CATEGORIES
from agrimarket.products.fields import MAX_PRICE_VND
from agrimarket.web.input import MAX_ID


async def test_healthz_reports_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_schema_lists_the_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/products",
        "/api/v1/cooperatives",
        "/api/v1/areas/communes/search",
    ):
        assert any(p.rstrip("/") == path for p in paths), path


async def test_readyz_checks_database_storage_and_migrations(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "migrations": "ok",
        "startup": "ok",
    }


async def test_readyz_is_503_with_a_reason_when_storage_is_unreachable(tmp_path):
    from agrimarket.health import readyz
    from agrimarket.media.storage import LocalStorage
    from agrimarket.startup import DatabaseStartup

    (tmp_path / "a-file").write_text("not a folder")
    started = DatabaseStartup()
    assert await started.attempt()  # no steps: done at once
    response = await readyz.fn(storage=LocalStorage(tmp_path / "a-file" / "media"), database_startup=started)
    assert response.status_code == 503
    assert response.content.status == "not_ready"
    assert response.content.storage == "error: StorageUnavailable"


async def test_readyz_is_documented_with_its_503(client):
    operation = (await client.get("/schema/openapi.json")).json()["paths"]["/readyz"]["get"]
    assert {"200", "503"} <= set(operation["responses"])


async def test_openapi_declares_what_the_services_check(client):
    """Every request body refuses unknown fields; enums, ranges and patterns are the services' own."""
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    bodies = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert len(bodies) > 20 and all(schemas[name]["additionalProperties"] is False for name in bodies)
    product = schemas["ProductCreate"]["properties"]
    assert product["category"]["enum"] == list(CATEGORIES)
    assert (product["price_vnd"]["minimum"], product["price_vnd"]["maximum"]) == (1, MAX_PRICE_VND)
    assert product["stock"]["minimum"] == 0 and product["name"]["minLength"] == 1
    path_id = document["paths"]["/api/v1/products/{product_id}"]["get"]["parameters"][0]["schema"]
    assert (path_id["minimum"], path_id["maximum"]) == (1, MAX_ID)  # PostgreSQL's SERIAL
    assert schemas["RegisterIn"]["properties"]["role"]["enum"] == ["household", "coop_manager"]
