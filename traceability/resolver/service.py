"""Answering a Digital Link request: parse it, find its links, then redirect or list them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from agrimarket.errors import NotFound
from agrimarket.web.i18n import accepted_languages
from traceability.resolver import links, negotiate, uri

# Lets a client turn our linkset JSON into JSON-LD (resolver standard, "linkset context file").
CONTEXT_LINK = (
    "<https://ref.gs1.org/standards/resolver/linkset-context>; "
    'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
)
NEGOTIATED = {"Vary": "Accept, Accept-Language", "Cache-Control": "no-store"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    media_type: str | None = None


def _with_query(href: str, query: str) -> str:
    """The target with the request's query passed on, as the standard asks by default (before any
    #fragment of the target)."""
    if not query:
        return href
    target, hash_, fragment = href.partition("#")
    return f"{target}{'&' if '?' in target else '?'}{query}{hash_}{fragment}"


def linkset_link(link: uri.DigitalLink, base: str) -> str:
    """The ``Link`` header value naming the linkset of ``link`` (resolver standard: a redirect
    SHOULD point to it, so a client learns the other links without a second guess)."""
    return f'<{base.rstrip("/")}{link.path()}?linkType=linkset>; rel="linkset"; type="{negotiate.LINKSET}"'


def options_headers(raw_path: str, base: str) -> dict[str, str]:
    """The OPTIONS answer's ``Link`` to the linkset; none when the path is no Digital Link (a CORS
    preflight still gets its 204, and the GET that follows gets the 400)."""
    try:
        return {"Link": linkset_link(uri.parse(raw_path), base)}
    except uri.BadLink:
        return {}


async def answer(raw_path: str, query: str, accept: str, accept_language: str, base: str) -> Answer:
    """The response to ``raw_path`` (percent-encoded, from ``/01/``); BadLink (400) or NotFound (404)."""
    link = uri.parse(raw_path)
    asked = next((value for key, value in parse_qsl(query) if key == "linkType"), None)
    rel = negotiate.link_type(asked)
    levels = await links.levels(link, base)
    to_linkset = linkset_link(link, base)
    if negotiate.wants_linkset(rel, accept):
        plain_json = "application/json" in accept and negotiate.LINKSET not in accept
        return Answer(
            200,
            {"Link": f"{to_linkset}, {CONTEXT_LINK}", **NEGOTIATED},
            negotiate.linkset(levels),
            "application/json" if plain_json else negotiate.LINKSET,
        )
    chosen = negotiate.choose(levels, rel, accepted_languages(accept_language))
    if chosen is None:
        shown = (asked or "")[:80]
        raise NotFound(
            f"Mã này không có liên kết loại “{shown}”. Xem các liên kết có sẵn với ?linkType=linkset.",
            f"No link of type “{shown}” for this identifier. See the available links with ?linkType=linkset.",
        )
    return Answer(307, {"Location": _with_query(chosen.href, query), "Link": to_linkset, **NEGOTIATED})


def description(base: str) -> dict[str, Any]:
    """The resolver description file served at /.well-known/gs1resolver."""
    return {
        "name": "agrimarket: truy xuất nguồn gốc nông sản (GS1 Digital Link)",
        "resolverRoot": base.rstrip("/"),
        "supportedLinkType": [{"namespace": links.GS1_VOC, "prefix": "gs1:"}],
        "supportedPrimaryKeys": [uri.GTIN_AI],
        "linkTypeDefaultCanBeLinkset": False,
        "linkTypeDefaultCanBeAll": False,
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": True,
        "supportsLanguageVariants": True,
        "supportedContextValuesEnumerated": [],
    }
