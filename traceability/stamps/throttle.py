"""Per-client rate limit of the public scan endpoints, so serials cannot be brute-forced.

A dependency rather than a middleware: the limit comes from the app's settings, so each app (and
each test app) gets its own. The counters live in the app's ``scan_rate_limit`` store: memory when
embedded, the PostgreSQL table shared by every app process when scaled out (agrimarket.web.stores).

A process does not write the shared counter on every scan: it takes a lease of 1/LEASE_SHARE of
the client's quota (at least one scan) in one atomic increment and spends it locally, so a busy
client costs one upsert per lease, not per scan. Never more than the limit is admitted across all
processes; the trade-off is that a lease left unspent in one process is lost to the others until
the window ends (at most LEASE_SHARE - 1 scans' worth of quota per process; none at limits under
LEASE_SHARE a window, where the lease is one scan and counting is exact). Once the shared counter
is full, the process remembers it until the window ends, so a brute-force run past the limit costs
no query at all.

A buyer scanning a Digital Link stamp makes two requests: the resolver's lookup (/01/…/21/{serial},
counted) and its 307 to the scan page. The resolver leaves this process a prepaid view of that
serial's scan page for that client, in that window, which the scan page spends instead of counting
again: one scan, one count. Prepaid views never outnumber counted lookups, so neither route admits
more lookups of unknown serials than before; a redirect followed on another process is counted
there, as before.
"""

from __future__ import annotations

import asyncio
import time

from litestar import Request

from agrimarket.errors import RateLimited
from agrimarket.settings import Settings
from agrimarket.web.auth import client_address
from agrimarket.web.stores import increment
from traceability.settings import TraceabilitySettings

STORE = "scan_rate_limit"
LEASE_SHARE = 20  # a lease is 1/20 of a client's quota per window
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class Leases:
    """This process's unspent leases per client, for the current window only."""

    __slots__ = ("asking", "full", "left", "prepaid", "window")

    def __init__(self) -> None:
        self.window = -1
        self.left: dict[str, int] = {}
        self.full: set[str] = set()
        self.asking: dict[str, asyncio.Future[None]] = {}  # clients whose next lease is being taken
        self.prepaid: dict[tuple[str, str], int] = {}  # (client, serial): scan-page views paid for

    def roll(self, window: int) -> None:
        if window != self.window:  # a new window: every client starts afresh
            self.window, self.left, self.full, self.prepaid = window, {}, set(), {}

    def take(self, client: str) -> bool:
        left = self.left.get(client, 0)
        if left <= 0:
            return False
        self.left[client] = left - 1
        return True


def _leases(request: Request) -> Leases:
    state = request.app.state
    leases = state.get("scan_leases")
    if leases is None:
        leases = state["scan_leases"] = Leases()
    return leases


def _window(settings: Settings) -> tuple[float, int, int, int]:
    """Now, the window's length in seconds, its number and the quota of a client in it."""
    unit, allowed = settings.section(TraceabilitySettings).scan_limit
    seconds = _SECONDS.get(unit, 60)
    now = time.time()
    return now, seconds, int(now // seconds), allowed


def prepay_scan_page(request: Request, settings: Settings, serial: str) -> None:
    """The resolver counted this lookup and sends the client to ``serial``'s scan page: that view
    is paid for (see the module's docstring)."""
    window = _window(settings)[2]
    leases = _leases(request)
    leases.roll(window)
    key = (client_address(request), serial)
    leases.prepaid[key] = leases.prepaid.get(key, 0) + 1


async def scan_page_throttle(request: Request, settings: Settings, serial: str) -> None:
    """The scan page of ``serial``: free once per view the resolver prepaid, else counted."""
    window = _window(settings)[2]
    key = (client_address(request), serial)
    leases = _leases(request)
    leases.roll(window)
    paid = leases.prepaid.get(key, 0)
    if paid > 0:
        leases.prepaid[key] = paid - 1
        return
    await scan_throttle(request, settings)


async def scan_throttle(request: Request, settings: Settings) -> None:
    """Fixed window per client address; 429 with Retry-After once the window's quota is used.

    Also a route dependency (its parameters are what Litestar injects)."""
    now, seconds, window, allowed = _window(settings)
    client = client_address(request)
    leases = _leases(request)
    while True:
        leases.roll(window)
        if leases.take(client):
            return
        if client in leases.full:
            raise _too_many(now, seconds)
        asking = leases.asking.get(client)
        if asking is None:
            break
        # Another scan of this client is taking a lease: share it rather than take one more each.
        await asyncio.shield(asking)
    asking = leases.asking[client] = asyncio.get_running_loop().create_future()
    try:
        lease = max(1, allowed // LEASE_SHARE)
        count = await increment(request.app.stores.get(STORE), f"{client}:{window}", seconds, lease)
    finally:
        del leases.asking[client]
        asking.set_result(None)
    granted = min(lease, allowed - (count - lease))
    if leases.window == window:  # unless the window turned while the increment ran
        if granted > 0:
            leases.left[client] = leases.left.get(client, 0) + granted - 1
        else:
            leases.full.add(client)
    if granted <= 0:
        raise _too_many(now, seconds)


def _too_many(now: float, seconds: int) -> RateLimited:
    return RateLimited(retry_after=seconds - int(now) % seconds)
