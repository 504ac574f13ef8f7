"""Upload operations (photo, household spreadsheet) answer 415 to a body that is not multipart, and
their OpenAPI says so: clients and schemathesis can rely on the documented statuses."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from tests.factories import HAI_PHONG
from tests.integrations.helpers import product_with_photo

UPLOADS = {
    "/api/v1/products/{product_id}/photos",
    "/api/v1/household-imports",
    "/api/v1/trainings/{training_id}/attendance",
}


async def test_schema_lists_415_on_every_upload_and_only_there(client):
    schema = (await client.get("/schema/openapi.json")).json()
    multipart, with_415 = set(), set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                multipart.add(path.rstrip("/"))
            if "415" in operation.get("responses", {}):
                with_415.add(path.rstrip("/"))
                error = operation["responses"]["415"]["content"]["application/json"]["schema"]
                assert error["$ref"].endswith("/ErrorOut"), (path, method, error)
    assert multipart == UPLOADS  # a new upload is documented like these
    assert with_415 == UPLOADS


async def test_wrong_content_type_is_415_with_the_error_shape(client, accounts):
    farmer = await accounts.household()
    product = await product_with_photo(accounts, farmer)
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    photo_url = f"/api/v1/products/{product['id']}/photos"
    cases = [
        (photo_url, farmer, {"json": {"photo": "x"}}),
        (photo_url, farmer, {"content": b"\xff\xd8\xff", "headers": {"content-type": "image/jpeg"}}),
        (
            "/api/v1/household-imports/",
            officer,
            {"content": b"a,b\n", "headers": {"content-type": "text/csv"}},
        ),
        ("/api/v1/household-imports/", officer, {"data": {"file": "x"}}),  # a url-encoded form
    ]
    for url, session, request in cases:
        headers = session.headers | request.pop("headers", {})
        response = await client.post(url, headers=headers, **request)
        assert response.status_code == 415, (url, response.text)
        assert response.json()["error"]["code"] == "unsupported_media_type"
    # A multipart body still gets through to the file checks (a text file is not a photo: also 415).
    text = await client.post(
        photo_url, files={"photo": ("a.txt", b"hello", "text/plain")}, headers=farmer.headers
    )
    assert text.status_code == 415 and "ảnh" in text.json()["error"]["message"]
    photo = await client.post(
        photo_url, files={"photo": ("a.jpg", _jpeg(), "image/jpeg")}, headers=farmer.headers
    )
    assert photo.status_code == 201, photo.text


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "JPEG")
    return out.getvalue()
