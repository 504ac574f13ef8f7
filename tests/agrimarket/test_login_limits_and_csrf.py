"""Login is rate limited; web forms need a CSRF token."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from tests.factories import PASSWORD, new_phone


async def test_login_is_rate_limited_with_a_vietnamese_message(settings, accounts):
    await accounts.household()
    app = create_app(dataclasses.replace(settings, login_rate_limit="3/minute"))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as limited:
        statuses = [
            (
                await limited.post("/api/v1/auth/login", json={"phone": new_phone(), "password": "x" * 8})
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        response = await limited.post("/api/v1/auth/login", json={"phone": new_phone(), "password": PASSWORD})
        assert response.status_code == 429
        assert "quá nhiều lần" in response.json()["error"]["message"]
        # Other endpoints are not throttled.
        assert (await limited.get("/healthz")).status_code == 200


async def test_web_form_without_csrf_token_is_refused(client, accounts):
    farmer = await accounts.household()
    response = await client.post("/login", data={"phone": farmer.phone, "password": PASSWORD})
    assert response.status_code == 403


async def test_web_login_with_csrf_token_sets_a_secure_session_cookie(client, accounts):
    farmer = await accounts.household()
    form = await client.get("/login")
    token = client.cookies.get("csrftoken")
    assert token and 'name="_csrf_token"' in form.text
    response = await client.post(
        "/login",
        data={"phone": farmer.phone, "password": PASSWORD, "_csrf_token": _token_in(form.text)},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text
    cookie_header = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "agm_session" in v
    )
    assert "HttpOnly" in cookie_header and "SameSite=lax" in cookie_header.replace("Lax", "lax")
    page = await client.get("/products")
    assert page.status_code == 200
    assert "Sản phẩm của tôi" in page.text


def _token_in(html: str) -> str:
    marker = 'name="_csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
