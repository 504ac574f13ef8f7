"""Per-client rate limit of the public scan endpoints, so serials cannot be brute-forced.

A dependency rather than a middleware: the limit comes from the app's settings, so each app (and
each test app) gets its own. The counters live in the app's ``scan_rate_limit`` store: memory when
embedded, the PostgreSQL table shared by every app process when scaled out (agrimarket.web.stores).
"""

from __future__ import annotations

import time

from litestar import Request
from litestar.exceptions import TooManyRequestsException

from agrimarket.settings import Settings
from agrimarket.web.stores import increment

STORE = "scan_rate_limit"
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


async def scan_throttle(request: Request, settings: Settings) -> None:
    """Fixed window per client address; 429 with Retry-After once the window's quota is used."""
    unit, allowed = settings.traceability.scan_limit
    seconds = _SECONDS.get(unit, 60)
    now = time.time()
    client = request.client.host if request.client else "unknown"
    key = f"{client}:{int(now // seconds)}"
    count = await increment(request.app.stores.get(STORE), key, seconds)
    if count > allowed:
        raise TooManyRequestsException(headers={"Retry-After": str(seconds - int(now) % seconds)})
