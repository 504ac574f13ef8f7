"""``/sw.js``: the site's one service worker (Web Push and the offline app of issue 22), kept in
``agrimarket/static/sw.js`` and served from the site root so its scope can be the whole site.

Scripts under ``/static/`` could only control ``/static/``; from the root the default scope is
``/`` already, and ``Service-Worker-Allowed: /`` says so for a registration that names it.
``no-cache``: the browser asks again (a 304 by ETag) whenever it checks for a new worker, so a
release reaches every phone at its next visit instead of after a day of HTTP caching.

The app shell's versioned URLs are written into the script here (its ``BUILD`` constant): a
changed stylesheet or script changes the worker's bytes, so phones install the new worker, which
precaches the new shell and drops the old one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from litestar import Request, Response, get

from agrimarket.web.conditional import conditional, strong_etag
from agrimarket.web.static_files import static_url

SOURCE = Path(__file__).parent.parent / "static" / "sw.js"
# What a signed-in page needs to open offline (its CSS, JS, the manifest and icons).
SHELL_FILES = (
    "app.css",
    "htmx.min.js",
    "app.js",
    "outbox.js",
    "new_product.js",
    "manifest.json",
    "icon-192.png",
    "icon-512.png",
)
PLACEHOLDER = '/*BUILD*/ { shell: [], cache: "shell-dev" }'


def render_script() -> bytes:
    """sw.js with the shell's versioned URLs and a cache name that changes with them."""
    shell = [static_url(name) for name in SHELL_FILES]
    cache = "shell-" + hashlib.sha256("\n".join(shell).encode()).hexdigest()[:10]
    source = SOURCE.read_text(encoding="utf-8")
    assert PLACEHOLDER in source, "sw.js lost its BUILD placeholder"
    return source.replace(PLACEHOLDER, json.dumps({"shell": shell, "cache": cache})).encode()


SCRIPT = render_script()
ETAG = strong_etag(SCRIPT)
HEADERS = {"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"}


@get("/sw.js", include_in_schema=False)
async def service_worker(request: Request) -> Response[bytes]:
    """The service worker script, revalidated on every update check."""
    return conditional(request, ETAG, HEADERS, lambda: SCRIPT, "text/javascript; charset=utf-8")
