"""Language of a request: Vietnamese first, English on request."""

from __future__ import annotations

from litestar.connection import ASGIConnection

LANG_COOKIE = "lang"


# Paths read by programs, not people: errors there are JSON, the language is Accept-Language's.
MACHINE_PATHS = ("/api/", "/feeds/")


def is_api(connection: ASGIConnection) -> bool:
    # The scope's path, not connection.url: building the URL object cost more than the public
    # pages' own work per request.
    return connection.scope["path"].startswith(MACHINE_PATHS)


def request_lang(connection: ASGIConnection) -> str:
    """API: the Accept-Language header. Web: ``?lang=`` (a link in one language, e.g. from the Digital
    Link resolver), then the language switch (cookie), else Vietnamese."""
    if not is_api(connection):
        if b"lang=" in connection.scope.get("query_string", b""):  # parse the query only when it may say
            asked = connection.query_params.get("lang")
            if asked in ("vi", "en"):
                return asked
        if connection.cookies.get(LANG_COOKIE) in ("vi", "en"):
            return connection.cookies[LANG_COOKIE]
    first = connection.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") and is_api(connection) else "vi"


def format_vnd(amount: int | None) -> str:
    """25000 -> "25.000 đ" (Vietnamese groups thousands with dots)."""
    return "" if amount is None else f"{amount:,}".replace(",", ".") + " đ"
