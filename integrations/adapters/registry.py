"""Marketplace code -> adapter module. Adding a marketplace: one adapter module, one line here.

An adapter module defines ``CODE``, ``NAME``, ``CREDENTIALS`` (the fields the connect form asks
for) and an adapter class implementing ``base.MarketplaceAdapter``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from integrations.adapters import postmart, shopee, tiktok, voso
from integrations.adapters.base import CredentialField, MarketplaceAdapter
from integrations.adapters.shopee_auth import TokenStore

MODULES = {postmart.CODE: postmart, voso.CODE: voso, shopee.CODE: shopee, tiktok.CODE: tiktok}
ADAPTERS: dict[str, Callable[..., MarketplaceAdapter]] = {
    postmart.CODE: postmart.PostmartAdapter,
    voso.CODE: voso.VosoAdapter,
    shopee.CODE: shopee.ShopeeAdapter,
    tiktok.CODE: tiktok.TiktokAdapter,
}
# Seeded at start-up: code -> (name, partner rate limit per second).
MARKETPLACES = {
    postmart.CODE: (postmart.NAME, 10.0),
    voso.CODE: (voso.NAME, 10.0),
    # API calls per second (each call is paced, and one listing operation is 3-6 of them).
    shopee.CODE: (shopee.NAME, 15.0),
    tiktok.CODE: (tiktok.NAME, tiktok.RATE_LIMIT_PER_S),
}


def credential_fields(code: str) -> tuple[CredentialField, ...]:
    """The credentials the marketplace's contract needs (empty for an unknown code)."""
    module = MODULES.get(code)
    return module.CREDENTIALS if module else ()


def authorizes(code: str) -> bool:
    """The marketplace sends sellers to its own consent page (``authorize_url`` in its module)."""
    return hasattr(MODULES.get(code), "authorize_url")


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
            wanted = getattr(MODULES[code], "SERVICES", ())
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
