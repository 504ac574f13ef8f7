"""Who is calling: a bearer token on /api, the session cookie on web pages.

Keeping the two apart means a cookie never authenticates an API call, so the API needs no CSRF
token and forms cannot be forged against it.
"""

from __future__ import annotations

from dataclasses import replace

from litestar import Request

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.service import actor_for_token
from agrimarket.errors import Unauthorized
from agrimarket.web.i18n import is_api

SESSION_COOKIE = "agm_session"
_UNSET = object()


def credentials(request: Request) -> tuple[str | None, str]:
    if is_api(request):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None, "api"
    return request.cookies.get(SESSION_COOKIE), "web"


def client_address(request: Request) -> str:
    """The peer address the server reports, as the rate limits count it."""
    return request.client.host if request.client else "unknown"


async def provide_viewer(request: Request) -> Actor | None:
    """The logged-in actor or None; looked up once per request."""
    cached = request.state.get("actor", _UNSET)
    if cached is not _UNSET:
        return cached
    token, kind = credentials(request)
    actor = await actor_for_token(token, kind) if token else None
    if actor is not None:
        # The client address as agrimarket.web.proxies settled it (the audit column holds 45 characters).
        address = request.client.host[:45] if request.client else ""
        actor = replace(actor, client_address=address, user_agent=request.headers.get("user-agent", "")[:200])
    request.state.actor = actor
    return actor


async def provide_actor(request: Request) -> Actor:
    actor = await provide_viewer(request)
    if actor is None:
        raise Unauthorized()
    return actor
