"""The product form's "what the marketplaces need" (``agrimarket.ports.QueryPorts.marketplace_fields``):
each connected account whose adapter asks questions (Shopee's mandatory category attributes we cannot
fill) contributes them, merged by key. A marketplace that cannot answer now is left out: the form
still works, and a listing that lacks an answer is refused with the reason shown to the farmer.
"""

from __future__ import annotations

import asyncio
import logging

from agrimarket.accounts.actor import Actor
from agrimarket.ports import ExtraField
from integrations import crypto
from integrations.adapters.base import Account, AdapterError
from integrations.adapters.registry import Adapters
from integrations.listings.accounts import cooperative_accounts, list_accounts
from integrations.tables import MarketplaceAccount

log = logging.getLogger(__name__)
ASK_TIMEOUT_S = 5.0  # the form is never held longer than this by a slow marketplace


class MarketplaceFields:
    """The provider, holding the app's adapters (their catalogue caches) and the credentials key."""

    def __init__(self, adapters: Adapters, credentials_key: str) -> None:
        self.adapters = adapters
        self.credentials_key = credentials_key

    async def __call__(self, actor: Actor) -> list[ExtraField]:
        codes_and_shops = {(a["marketplace"], a["shop_id"]) for a in await list_accounts(actor)}
        codes_and_shops |= {(code, a["shop_id"]) for code, a in (await cooperative_accounts(actor)).items()}
        merged: dict[str, ExtraField] = {}
        for code, shop_id in sorted(codes_and_shops):
            for field in await self._ask(code, shop_id):
                merged.setdefault(field.key, field)
        return list(merged.values())

    async def _ask(self, code: str, shop_id: str) -> list[ExtraField]:
        if code not in self.adapters.urls:
            return []
        adapter = self.adapters.get(code)
        ask = getattr(adapter, "farmer_questions", None)
        if ask is None:
            return []
        row = (
            await MarketplaceAccount.select(MarketplaceAccount.id, MarketplaceAccount.credentials_encrypted)
            .where(MarketplaceAccount.marketplace.code == code)
            .where(MarketplaceAccount.shop_id == shop_id)
            .first()
        )
        if row is None:
            return []
        account = Account(
            shop_id, crypto.decrypt(self.credentials_key, row["credentials_encrypted"]), account_id=row["id"]
        )
        try:
            questions = await asyncio.wait_for(ask(account), ASK_TIMEOUT_S)
        except (AdapterError, TimeoutError) as exc:
            log.warning("%s: the product form's questions are unavailable now: %s", code, exc)
            return []
        name = getattr(adapter, "name", code.title())
        return [
            ExtraField(
                key=q.key,
                label_vi=q.label_vi,
                label_en=q.label_en,
                marketplace=name,
                categories=q.categories,
                options=q.options,
                unit=q.unit,
            )
            for q in questions
        ]
