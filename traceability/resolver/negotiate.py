"""Which answer a resolver request gets: the linkset, one link of a type, or the default link."""

from __future__ import annotations

import re
from typing import Any

from traceability.resolver.links import DEFAULT, DEFAULT_MULTI, GS1_VOC, LANGUAGES, Level, Link

LINKSET = "application/linkset+json"
# The GS1 Web vocabulary under every name a client may use for it.
_GS1_NAMESPACES = re.compile(r"^(?:gs1:|https?://(?:www\.|ref\.)?gs1\.org/voc/)")


def link_type(asked: str | None) -> str | None:
    """A ``linkType`` as the full URI we store; None for "the default"; "linkset" for the linkset."""
    if not asked:
        return None
    if asked in ("linkset", "all"):  # "all" is the name before resolver standard 1.0
        return "linkset"
    return _GS1_NAMESPACES.sub(GS1_VOC, asked)


def wants_linkset(asked_type: str | None, accept: str) -> bool:
    """``linkType=linkset``, or no linkType and an Accept header naming the linkset media type."""
    return asked_type == "linkset" or (asked_type is None and LINKSET in accept.lower())


def _by_language(links: list[Link], wanted: list[str]) -> Link:
    for lang in [*wanted, LANGUAGES[0]]:
        for link in links:
            if lang in link.hreflang:
                return link
    return links[0]


def choose(levels: list[Level], rel: str | None, wanted: list[str]) -> Link | None:
    """The link to redirect to: of the asked type (else the default) from the most specific level
    that has one, in the best language; None when no level has a link of that type."""
    for level in levels:
        if rel in (None, DEFAULT):
            multi = [link for link in level.links if link.rel == DEFAULT_MULTI]
            if multi:
                return _by_language(multi, wanted)
        found = [link for link in level.links if link.rel == (rel or DEFAULT)]
        if found:
            return _by_language(found, wanted)
    return None


def linkset(levels: list[Level]) -> dict[str, Any]:
    """RFC 9264 JSON: one context object per level, its links grouped by link type."""
    contexts = []
    for level in levels:
        context: dict[str, Any] = {"anchor": level.anchor}
        if level.description:
            context["itemDescription"] = level.description
        for link in level.links:
            target: dict[str, Any] = {"href": link.href, "title": link.title}
            if link.hreflang:
                target["hreflang"] = list(link.hreflang)
            if link.type:
                target["type"] = link.type
            context.setdefault(link.rel, []).append(target)
        contexts.append(context)
    return {"linkset": contexts}
