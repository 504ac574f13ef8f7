"""Static files with long-lived caching: each URL carries its file's content hash.

A farmer's phone on 3G downloads the stylesheet and htmx once: ``/static/app.css?v=<hash>`` is
served ``Cache-Control: public, max-age=31536000, immutable``, so later pages make no static
request at all, and a deploy that changes a file changes its URL.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
IMMUTABLE = CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True)


def _version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


_cached_version = cache(_version)


def static_url(name: str, reload: bool = False) -> str:
    """The URL of a file of agrimarket/static, versioned by its content (read again if ``reload``)."""
    return f"/static/{name}?v={(_version if reload else _cached_version)(name)}"


def static_router() -> ControllerRouterHandler:
    return create_static_files_router(
        path="/static", directories=[STATIC_DIR], include_in_schema=False, cache_control=IMMUTABLE
    )
