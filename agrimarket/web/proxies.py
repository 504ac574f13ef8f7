"""The client address and scheme behind our own reverse proxies, the same under every ASGI server.

Rate limits, the scan log's distinct clients and the audit log all read ``request.client``. The
servers are started with their own proxy-header handling off (uvicorn ``--no-proxy-headers``;
granian has none), so this layer alone decides: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are
believed only when the direct peer is in ``TRUSTED_PROXIES``, and then the right-most address of
the chain that is not a trusted proxy is the client. Uvicorn's middleware does exactly that.
"""

from __future__ import annotations

from litestar.middleware import DefineMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from agrimarket.settings import Settings


def proxy_headers_middleware(settings: Settings) -> list[DefineMiddleware]:
    """Nothing when no proxy is trusted: the peer address is the client, whatever the headers say."""
    if not settings.trusted_proxies:
        return []
    # uvicorn types its ASGI callables apart from Litestar's; the protocol is the same.
    return [DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))]  # type: ignore[arg-type]
