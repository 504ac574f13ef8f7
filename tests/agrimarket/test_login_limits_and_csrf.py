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
        assert response.json()["error"]["code"] == "rate_limited" and response.json()["error"]["fields"] == {}
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


def _set_cookies(response, name: str) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(f"{name}=")]


async def test_cookies_are_httponly_lax_and_secure_on_https(settings, accounts):
    """Every Set-Cookie of the session (register, login, logout) and of the CSRF token."""
    farmer = await accounts.household()
    for base_url, secure in (("https://nongsan.example.vn", True), ("http://testserver.local", False)):
        app = create_app(dataclasses.replace(settings, public_base_url=base_url))
        host = base_url.replace("nongsan.example.vn", "testserver.local")
        async with AsyncTestClient(app=app, base_url=host) as browser:
            first = form = await browser.get("/register")  # sets the CSRF cookie
            registered = await browser.post(
                "/register",
                data={
                    "full_name": "Nguyễn Thị Hoa",
                    "phone": new_phone(),
                    "password": PASSWORD,
                    "commune_code": "11914",
                    "_csrf_token": _token_in(form.text),
                },
                follow_redirects=False,
            )
            form = await browser.get("/login")
            logged_in = await browser.post(
                "/login",
                data={"phone": farmer.phone, "password": PASSWORD, "_csrf_token": _token_in(form.text)},
                follow_redirects=False,
            )
            page = await browser.get("/products")
            logged_out = await browser.post(
                "/logout", data={"_csrf_token": _token_in(page.text)}, follow_redirects=False
            )
            assert logged_out.status_code in (302, 303), logged_out.text
            cookies = [
                *_set_cookies(registered, "agm_session"),
                *_set_cookies(logged_in, "agm_session"),
                *_set_cookies(logged_out, "agm_session"),
                *_set_cookies(first, "csrftoken"),
            ]
            assert len(cookies) == 4, (base_url, cookies)
            for cookie in cookies:
                flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
                assert "httponly" in flags, cookie
                assert flags.get("samesite", "").strip().lower() in ("samesite=lax", "samesite=strict"), (
                    cookie
                )
                assert ("secure" in flags) is secure, (base_url, cookie)


async def test_a_first_visit_gets_the_csrf_cookie_litestar_would_set_and_a_return_visit_none(settings):
    """The cookie header is prepared once (agrimarket.web.csrf); it must be the one Litestar's own
    Cookie builds for the visitor's token, Secure on an https site."""
    from litestar.datastructures import Cookie

    for base_url, secure in (("http://testserver.local", False), ("https://truyxuat.example.vn", True)):
        app = create_app(dataclasses.replace(settings, public_base_url=base_url))
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as visitor:
            first = await visitor.get("/login")
            token = first.cookies["csrftoken"]
            expected = Cookie(
                key="csrftoken", value=token, path="/", secure=secure, httponly=True, samesite="lax"
            ).to_header(header="")
            assert first.headers.get_list("set-cookie") == [expected]
            assert f'value="{token}"' in first.text  # the form carries the same token
            visitor.cookies.clear()  # a Secure cookie is not sent back over http: send it by hand
            again = await visitor.get("/login", headers={"cookie": f"csrftoken={token}"})
            assert f'value="{token}"' in again.text
            assert "set-cookie" not in again.headers
