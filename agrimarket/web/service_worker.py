"""``/sw.js``: the site's one service worker (Web Push today, the offline app later), kept in
``agrimarket/static/sw.js`` and served from the site root so its scope can be the whole site.

Scripts under ``/static/`` could only control ``/static/``; from the root the default scope is
``/`` already, and ``Service-Worker-Allowed: /`` says so for a registration that names it.
``no-cache``: the browser asks again (a 304 by ETag) whenever it checks for a new worker, so a
release reaches every phone at its next visit instead of after a day of HTTP caching.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Request, Response, get

from agrimarket.web.conditional import conditional, strong_etag

SOURCE = Path(__file__).parent.parent / "static" / "sw.js"
SCRIPT = SOURCE.read_bytes()
ETAG = strong_etag(SCRIPT)
HEADERS = {"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"}


@get("/sw.js", include_in_schema=False)
async def service_worker(request: Request) -> Response[bytes]:
    """The service worker script, revalidated on every update check."""
    return conditional(request, ETAG, HEADERS, lambda: SCRIPT, "text/javascript; charset=utf-8")
