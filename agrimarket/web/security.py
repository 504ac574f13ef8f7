"""Security headers on every response."""

from __future__ import annotations

from litestar.types import Message, Scope

from agrimarket.settings import Settings

# One year, the usual preload minimum. No includeSubDomains: other services of the same office may
# live on sibling subdomains that are not (yet) served over https.
HSTS = (b"strict-transport-security", b"max-age=31536000")


def security_headers(settings: Settings):
    """A ``before_send`` hook adding CSP (no inline script), anti-framing and no-sniff headers, and HSTS
    when the site is served over https (the public URL says so, or the request came in over TLS)."""
    image_sources = "'self' data:"
    if settings.media_storage == "s3":
        image_sources += " " + (settings.s3.public_url or settings.s3.endpoint_url or "https:")
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {image_sources}; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )

    common = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
    ]
    strict = [*common, (b"content-security-policy", policy.encode())]
    # Browsers ignore HSTS received over plain http, so a development server on http sends none.
    always_https = settings.https

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        # The OpenAPI viewers load their own assets; everything else is held to the strict policy.
        wanted = common if scope["path"].startswith("/schema") else strict
        if always_https or scope.get("scheme") == "https":
            wanted = [*wanted, HSTS]
        # Raw header pairs, pre-encoded: this runs on every response, so no header object per call.
        headers = list(message.get("headers") or ())
        present = {name.lower() for name, _ in headers}
        headers.extend(pair for pair in wanted if pair[0] not in present)
        message["headers"] = headers

    return before_send
