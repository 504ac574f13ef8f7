"""Marketplace code -> adapter module. Adding a marketplace: one adapter module, one line here.

An adapter module defines ``CODE``, ``NAME``, ``CREDENTIALS`` (the fields the connect form asks
for) and an adapter class implementing ``base.MarketplaceAdapter``.
"""

from __future__ import annotations

from integrations.adapters import postmart, voso
from integrations.adapters.base import CredentialField, MarketplaceAdapter

MODULES = {postmart.CODE: postmart, voso.CODE: voso}
ADAPTERS = {postmart.CODE: postmart.PostmartAdapter, voso.CODE: voso.VosoAdapter}
# Seeded at start-up: code -> (name, partner rate limit per second).
MARKETPLACES = {postmart.CODE: (postmart.NAME, 10.0), voso.CODE: (voso.NAME, 10.0)}


def credential_fields(code: str) -> tuple[CredentialField, ...]:
    """The credentials the marketplace's contract needs (empty for an unknown code)."""
    module = MODULES.get(code)
    return module.CREDENTIALS if module else ()


class Adapters:
    """One adapter (so one pooled httpx client) per marketplace, created on first use."""

    def __init__(self, urls: dict[str, str], timeout_s: float) -> None:
        self.urls = urls
        self.timeout_s = timeout_s
        self._made: dict[str, MarketplaceAdapter] = {}

    def get(self, code: str) -> MarketplaceAdapter:
        if code not in self._made:
            self._made[code] = ADAPTERS[code](self.urls[code], self.timeout_s)
        return self._made[code]

    async def aclose(self) -> None:
        for adapter in self._made.values():
            await adapter.aclose()
        self._made.clear()
