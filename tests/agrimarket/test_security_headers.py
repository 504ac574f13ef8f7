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
