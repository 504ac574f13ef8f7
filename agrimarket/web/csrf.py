"""CSRF protection: Litestar's own middleware, with the new visitor's cookie header prepared once.

Every first visit (a buyer from a marketplace link or a QR code) gets a CSRF cookie. Litestar builds
its header with ``Cookie.to_header`` (a dataclass copy and a ``SimpleCookie``) per response, which
cost 7 % of the public product page. The header differs only by the token, so it is built once from
the same ``Cookie`` and the token put in its place; everything else (checks, exclusions, errors) is
Litestar's.
"""

from __future__ import annotations

import functools
from typing import Literal

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Message, Send

from agrimarket.settings import Settings

# A token is hex digits only (a random part and its HMAC), so the cookie never quotes it.
_TOKEN_MARK = "0" * 128


class PreparedCookieCSRFMiddleware(CSRFMiddleware):
    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        super().__init__(app, config)
        self._before_token, self._after_token = _header_around_token(
            config.cookie_name,
            config.cookie_path,
            config.cookie_secure,
            config.cookie_httponly,
            config.cookie_samesite,
            config.cookie_domain,
        )

    def create_send_wrapper(self, send: Send, token: str, csrf_cookie: str | None) -> Send:
        if csrf_cookie is not None:  # the visitor has their cookie already
            return send
        header = f"{self._before_token}{token}{self._after_token}"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableScopeHeaders.from_message(message).add("set-cookie", header)
            await send(message)

        return send_wrapper


# Litestar builds a middleware per route (~500 an app): the header is made once per cookie, not per route.
@functools.cache
def _header_around_token(
    name: str,
    path: str,
    secure: bool,
    httponly: bool,
    samesite: Literal["lax", "strict", "none"],
    domain: str | None,
) -> tuple[str, str]:
    """The Set-Cookie header's text before and after the token."""
    cookie = Cookie(
        key=name,
        value=_TOKEN_MARK,
        path=path,
        secure=secure,
        httponly=httponly,
        samesite=samesite,
        domain=domain,
    )
    before, _, after = cookie.to_header(header="").partition(_TOKEN_MARK)
    return before, after


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    """The app's CSRF middleware, in place of ``Litestar(csrf_config=…)``."""
    config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="csrftoken",
        cookie_secure=settings.https,
        cookie_httponly=True,
        cookie_samesite="lax",
        # The API authenticates with bearer tokens only, never cookies: nothing to forge.
        exclude=["^/api/"],
    )
    return DefineMiddleware(PreparedCookieCSRFMiddleware, config=config)
