"""Language of a request, negotiated in one place (``choose_lang``): Vietnamese first, English on
request; the public scan page also offers Simplified Chinese."""

from __future__ import annotations

import re
from collections.abc import Sequence

from litestar.connection import ASGIConnection

LANG_COOKIE = "lang"
WEB_LANGUAGES = ("vi", "en")  # the first is the default
_Q = re.compile(r"q=([0-9.]+)")


# Paths read by programs, not people: errors there are JSON, the language is Accept-Language's.
MACHINE_PATHS = ("/api/", "/feeds/")


def is_api(connection: ASGIConnection) -> bool:
    # The scope's path, not connection.url: building the URL object cost more than the public
    # pages' own work per request.
    return connection.scope["path"].startswith(MACHINE_PATHS)


def accepted_languages(accept_language: str) -> list[str]:
    """Primary language subtags of an Accept-Language header, most wanted first (q=0 and * left out)."""
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        match = _Q.search(params)
        try:
            q = float(match.group(1)) if match else 1.0
        except ValueError:
            q = 0.0
        tag = tag.strip().lower().split("-")[0]
        if tag and tag != "*" and q > 0:
            ranked.append((-q, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def _most_wanted(accept_language: str) -> str | None:
    if ";" not in accept_language:  # no q-values (most browsers' short lists): the first one listed
        for part in accept_language.split(","):
            tag = part.strip().lower().split("-")[0]
            if tag and tag != "*":
                return tag
        return None
    wanted = accepted_languages(accept_language)
    return wanted[0] if wanted else None


def choose_lang(
    connection: ASGIConnection,
    offered: Sequence[str] = WEB_LANGUAGES,
    *,
    asked: str | None = None,
    cookie: bool = True,
    header: bool = True,
) -> str:
    """The language of an answer, one of ``offered`` (the first is the default): ``asked`` (a
    ``?lang=``), then the language switch's cookie, then the language Accept-Language wants most
    when it is offered. ``cookie`` / ``header``: whether this kind of answer reads them."""
    if asked in offered:
        return asked  # type: ignore[return-value]
    if cookie and "lang=" in connection.headers.get("cookie", ""):  # parse cookies only when one may say
        chosen = connection.cookies.get(LANG_COOKIE)
        if chosen is not None and chosen in offered:
            return chosen
    if header:
        wanted = _most_wanted(connection.headers.get("accept-language", ""))
        if wanted in offered:
            return wanted  # type: ignore[return-value]
    return offered[0]


def request_lang(connection: ASGIConnection) -> str:
    """API: the Accept-Language header. Web: ``?lang=`` (a link in one language, e.g. from the Digital
    Link resolver), then the language switch (cookie), else Vietnamese."""
    if is_api(connection):
        return choose_lang(connection, cookie=False)
    asked = None
    if b"lang=" in connection.scope.get("query_string", b""):  # parse the query only when it may say
        asked = connection.query_params.get("lang")
    return choose_lang(connection, asked=asked, header=False)


def format_vnd(amount: int | None) -> str:
    """25000 -> "25.000 đ" (Vietnamese groups thousands with dots)."""
    return "" if amount is None else f"{amount:,}".replace(",", ".") + " đ"
