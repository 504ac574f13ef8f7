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
