"""What fault tests send (a phone's photo, the listing form) and what an outage answer must look like."""

from __future__ import annotations

import re

import httpx

from tests.agrimarket.test_photos_api import jpeg
from tests.factories import CAT_HAI, PASSWORD

PHOTO = jpeg(320, 240)
DB_DOWN_VI = "Hệ thống đang bảo trì hoặc mất kết nối tới cơ sở dữ liệu"
STORAGE_DOWN_VI = "Kho ảnh tạm thời không truy cập được"
PRODUCT = {"category": "rau_cu", "unit": "bo", "price_vnd": "15000", "stock": "20"}


def assert_clean_503(response: httpx.Response, message_vi: str) -> None:
    """A 503 that says why in Vietnamese (JSON on the API, a page elsewhere) and when to retry."""
    assert response.status_code == 503, response.text[:300]
    assert int(response.headers["retry-after"]) > 0, response.headers
    if response.headers["content-type"].startswith("application/json"):
        error = response.json()["error"]
        assert error["code"] in ("unavailable", "storage_unavailable"), error
        assert message_vi in error["message"], error
    else:
        assert response.headers["content-type"].startswith("text/html"), response.headers
        assert message_vi in response.text, response.text[:500]


async def register(client: httpx.AsyncClient, phone: str, name: str = "Nguyễn Văn An") -> str:
    """A household account through the API; its bearer token."""
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": phone,
            "password": PASSWORD,
            "full_name": name,
            "commune_code": CAT_HAI,
            "role": "household",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["token"]


async def web_login(client: httpx.AsyncClient, phone: str) -> None:
    """Log in through the login page, as a phone's browser does (session and CSRF cookies)."""
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"phone": phone, "password": PASSWORD, "_csrf_token": token}
    response = await client.post("/login", data=form, follow_redirects=False)
    assert response.status_code in (302, 303), response.text[:300]


async def post_listing_form(client: httpx.AsyncClient, name: str) -> httpx.Response:
    """The one-screen "new product" form with one camera photo (product and photo in one step)."""
    return await client.post(
        "/products/new",
        data={"name": name, **PRODUCT},
        files={"photos": ("camera.jpg", PHOTO, "image/jpeg")},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
        follow_redirects=False,
    )


def created_id(response: httpx.Response) -> int:
    """The product id in the form's redirect (``/products?created=<id>``)."""
    return int(response.headers["location"].rsplit("=", 1)[1])
