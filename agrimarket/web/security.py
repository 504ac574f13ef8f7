"""Security headers on every response."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from agrimarket.settings import Settings


def security_headers(settings: Settings):
    """A ``before_send`` hook adding CSP (no inline script), anti-framing and no-sniff headers."""
    image_sources = "'self' data:"
    if settings.media_storage == "s3":
        image_sources += " " + (settings.s3.public_url or settings.s3.endpoint_url or "https:")
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {image_sources}; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        # The OpenAPI viewers load their own assets; everything else is held to the strict policy.
        if not scope["path"].startswith("/schema"):
            headers.setdefault("Content-Security-Policy", policy)

    return before_send
