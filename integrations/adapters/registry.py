"""The marketplaces: adding one is its adapter module, its simulator module and one name in ``MODULES``.

An adapter module defines ``CODE``, ``NAME``, ``CREDENTIALS`` (the fields the connect form asks
for), ``RATE_LIMIT_PER_S`` (API calls per second, paced), ``ADAPTER`` (its class implementing
``base.MarketplaceAdapter``) and optionally ``SERVICES`` (what ``Adapters`` hands it), ``act_by``
(the deadline rule of a contract that sends none), ``authorize_url`` and
``AUTH_CODE_FIELD`` (its consent page, and the credential the code it answers fills;
``listings.authorize_pages``), ``ACT_BY_VI`` / ``HANDOVER_VI`` (what its
deadline asks of the seller). Its base URL is read from ``INTEGRATIONS_<CODE>_URL``
(``url_variable``); its simulator is ``integrations.simulators.<code>`` (mounted at /sim/<code>).
Everything else here is derived from ``MODULES``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import ModuleType

import httpx

from integrations.adapters import lazada, postmart, shopee, tiktok, voso
from integrations.adapters.base import CredentialField, MarketplaceAdapter
from integrations.adapters.leased_tokens import TokenStore

# The one line a new marketplace adds.
MODULES: tuple[ModuleType, ...] = (postmart, voso, shopee, lazada, tiktok)

BY_CODE: dict[str, ModuleType] = {module.CODE: module for module in MODULES}
ADAPTERS: dict[str, Callable[..., MarketplaceAdapter]] = {module.CODE: module.ADAPTER for module in MODULES}
# Seeded at start-up: code -> (name, partner rate limit per second).
MARKETPLACES: dict[str, tuple[str, float]] = {
    module.CODE: (module.NAME, float(module.RATE_LIMIT_PER_S)) for module in MODULES
}
# Marketplaces whose deadline is a rule of our contract, not a field they send: code -> rule.
DEADLINE_RULES: dict[str, Callable[[float], float]] = {
    module.CODE: module.act_by for module in MODULES if hasattr(module, "act_by")
}


def url_variable(code: str) -> str:
    """The environment variable holding a marketplace's base URL: INTEGRATIONS_<CODE>_URL."""
    return f"INTEGRATIONS_{code.upper()}_URL"


def credential_fields(code: str) -> tuple[CredentialField, ...]:
    """The credentials the marketplace's contract needs (empty for an unknown code)."""
    module = BY_CODE.get(code)
    return module.CREDENTIALS if module else ()


def authorizes(code: str) -> bool:
    """The marketplace sends sellers to its own consent page (``authorize_url`` in its module)."""
    return hasattr(BY_CODE.get(code), "authorize_url")


def deadline_actions(code: str) -> tuple[str, str]:
    """(what the deadline asks before the seller acted, what it asks once the parcel is to hand over)."""
    module = BY_CODE.get(code)
    act = getattr(module, "ACT_BY_VI", "Cần xử lý trước")
    return act, getattr(module, "HANDOVER_VI", act)


class Adapters:
    """One adapter (so one pooled httpx client) per marketplace, created on first use."""

    def __init__(
        self,
        urls: dict[str, str],
        timeout_s: float,
        tokens: TokenStore | None = None,
        read_photo: Callable[[str], Awaitable[bytes]] | None = None,
        pace: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.urls = urls
        # Awaited before every HTTP request to a marketplace (its shared rate limit), if given.
        self.pace = pace
        self.timeout_s = timeout_s
        # Services an adapter module asks for by name in SERVICES (Shopee: shared tokens, photo bytes).
        self.services = {"tokens": tokens, "read_photo": read_photo}
        self._made: dict[str, MarketplaceAdapter] = {}

    def get(self, code: str) -> MarketplaceAdapter:
        if code not in self._made:
            wanted = getattr(BY_CODE[code], "SERVICES", ())
            extras = {name: self.services[name] for name in wanted}
            adapter = ADAPTERS[code](self.urls[code], self.timeout_s, **extras)
            if self.pace is not None:
                pace = self.pace

                async def paced(request: httpx.Request, code: str = code) -> None:
                    await pace(code)

                # httpx's own request hook: every call of every operation, tokens included, is paced.
                adapter.client.event_hooks["request"].append(paced)
            self._made[code] = adapter
        return self._made[code]

    async def aclose(self) -> None:
        for adapter in self._made.values():
            await adapter.aclose()
        self._made.clear()
