"""CSRF protection: Litestar's own middleware, with the new visitor's cookie header prepared once.

Every first visit (a buyer from a marketplace link or a QR code) gets a CSRF cookie. Litestar builds
its header with ``Cookie.to_header`` (a dataclass copy and a ``SimpleCookie``) per response, which
cost 7 % of the public product page. The header differs only by the token, so it is built once from
the same ``Cookie`` and the token put in its place; everything else (checks, exclusions, errors) is
Litestar's.
"""

from __future__ import annotations

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
        cookie = Cookie(
            key=config.cookie_name,
            value=_TOKEN_MARK,
            path=config.cookie_path,
            secure=config.cookie_secure,
            httponly=config.cookie_httponly,
            samesite=config.cookie_samesite,
            domain=config.cookie_domain,
        )
        self._before_token, _, self._after_token = cookie.to_header(header="").partition(_TOKEN_MARK)

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
