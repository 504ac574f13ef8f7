"""Pages, CSS and JS travel compressed, and static files are cached for good (issue 22, weight)."""

from __future__ import annotations

import re

import pytest

from agrimarket.web.static_files import static_url


@pytest.mark.parametrize("encoding", ["br", "gzip"])
async def test_pages_and_static_files_are_compressed(client, encoding):
    page = await client.get("/login", headers={"accept-encoding": encoding})
    assert page.status_code == 200 and page.headers["content-encoding"] == encoding
    assert "Đăng nhập" in page.text  # httpx decoded it: the body is what the server meant
    head = await client.head("/login", headers={"accept-encoding": encoding})
    assert head.headers["content-encoding"] == encoding and head.content == b""
    for name in ("app.css", "htmx.min.js"):
        url = re.search(rf'"(/static/{re.escape(name)}\?v=[0-9a-f]+)"', page.text).group(1)
        assert url == static_url(name)
        response = await client.get(url, headers={"accept-encoding": encoding})
        assert response.headers["content-encoding"] == encoding
        assert int(response.headers["content-length"]) < len(response.content) / 2  # text shrinks well
        directives = {d.strip() for d in response.headers["cache-control"].split(",")}
        assert directives == {"public", "max-age=31536000", "immutable"}


async def test_a_client_without_compression_gets_plain_bytes(client):
    page = await client.get("/login", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in page.headers and "Đăng nhập" in page.text


async def test_a_static_url_changes_with_its_content(tmp_path, monkeypatch):
    from agrimarket.web import static_files

    (tmp_path / "x.css").write_text("a{}")
    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path)
    first = static_url("x.css", reload=True)
    (tmp_path / "x.css").write_text("b{}")
    assert static_url("x.css", reload=True) != first
