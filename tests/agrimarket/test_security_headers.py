"""Security headers, and templates that keep working under a CSP without inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "agrimarket" / "templates"


async def test_pages_and_api_carry_security_headers(client):
    for path in ("/", "/login", "/api/v1/areas/provinces", "/static/app.css"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy


def test_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            offenders.append(f"{template.name}: inline <script>")
        if re.search(r"<style[\s>]", html) or re.search(r'\sstyle="', html):
            offenders.append(f"{template.name}: inline style")
        if re.search(r"\son[a-z]+=", html):
            offenders.append(f"{template.name}: inline event handler")
    assert offenders == []


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {words[0]: words[1:] for words in parts}


def assert_html_page_is_protected(response, where: str) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", where
    assert headers.get("referrer-policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }, where
    policy = _directives(headers["content-security-policy"])
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts and not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(scripts), (where, scripts)
    assert policy.get("frame-ancestors") == ["'none'"] or headers.get("x-frame-options") == "DENY", where


async def test_every_html_page_carries_the_security_headers(app, client, accounts):
    """Every web GET route without parameters, signed in as an admin, plus error and scan pages."""
    from litestar.routes import HTTPRoute

    from agrimarket.accounts.actor import Role
    from tests.agrimarket.test_web_pages import web_login

    admin = await accounts.staff(Role.ADMIN)
    await web_login(client, admin.phone)
    paths = sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and "GET" in route.methods
        and "{" not in route.path
        and not route.path.startswith(("/api/", "/schema"))
    )
    extra = ["/khong-co-trang-nay", "/p/999999", "/t/ZZZZZZZZZZZZZZZZ", "/batches/999999"]
    html = 0
    for path in [*paths, *extra]:
        response = await client.get(path, follow_redirects=False)
        if response.headers.get("content-type", "").startswith("text/html"):
            html += 1
            assert_html_page_is_protected(response, path)
    refused = await client.post("/products/new", data={"name": "x"})  # no CSRF token: the 403 page
    assert refused.status_code == 403
    assert_html_page_is_protected(refused, "403 page")
    assert html >= 15


async def test_hsts_only_when_served_over_https(settings, client):
    """An https public URL sends HSTS on every answer; a plain-http one only on requests that came over TLS."""
    import dataclasses

    from litestar.testing import AsyncTestClient

    from agrimarket.app import create_app

    plain = await client.get("/login")
    assert "strict-transport-security" not in plain.headers  # ignored over http anyway; stay quiet
    async with AsyncTestClient(app=client.app, base_url="https://testserver.local") as tls:
        assert (await tls.get("/login")).headers["strict-transport-security"] == "max-age=31536000"

    secure = create_app(dataclasses.replace(settings, public_base_url="https://nongsan.example.vn"))
    async with AsyncTestClient(app=secure, base_url="http://testserver.local") as behind_proxy:
        for path in ("/login", "/api/v1/areas/provinces", "/schema/openapi.json", "/khong-co"):
            response = await behind_proxy.get(path)
            assert response.headers["strict-transport-security"] == "max-age=31536000", path
