"""Per-client rate limit of the public scan endpoints, so serials cannot be brute-forced.

A dependency rather than a middleware: the limit comes from the app's settings, so each app (and
each test app) gets its own, and the counters live in the app's own store.
"""

from __future__ import annotations

import time

from litestar import Request
from litestar.exceptions import TooManyRequestsException

from agrimarket.settings import Settings

STORE = "scan_rate_limit"
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


async def scan_throttle(request: Request, settings: Settings) -> None:
    """Fixed window per client address; 429 with Retry-After once the window's quota is used."""
    unit, allowed = settings.traceability.scan_limit
    seconds = _SECONDS.get(unit, 60)
    now = time.time()
    client = request.client.host if request.client else "unknown"
    key = f"{client}:{int(now // seconds)}"
    store = request.app.stores.get(STORE)
    count = int(await store.get(key) or 0) + 1
    await store.set(key, str(count), expires_in=seconds)
    if count > allowed:
        raise TooManyRequestsException(headers={"Retry-After": str(seconds - int(now) % seconds)})
