"""Conditional GET for public answers that clients re-fetch (feeds, VietQR codes): ETag + 304."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from litestar import Request, Response


def strong_etag(data: bytes) -> str:
    """A quoted ETag for exactly these bytes."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def conditional(
    request: Request, etag: str, headers: dict[str, str], body: Callable[[], bytes], media_type: str
) -> Response[bytes]:
    """304 when the client holds ``etag`` (``body`` is then never built), else the body."""
    headers = {"ETag": etag, **headers}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body(), media_type=media_type, headers=headers)
