"""Marketplace tokens shared by every process: renewed ones are written back, encrypted, to the account.

A renewal is claimed with a lease on the account row (one atomic UPDATE, so one winner across
processes and engines); see ``integrations.adapters.leased_tokens`` for why it matters.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from integrations import crypto
from integrations.tables import MarketplaceAccount


class AccountTokenStore:
    """The ``TokenStore`` of the worker and the app: tokens and the renewal lease on the account row."""

    def __init__(self, credentials_key: str, clock: Callable[[], float] = time.time) -> None:
        self.credentials_key = credentials_key
        self.clock = clock  # epoch seconds the lease is timed against; tests move it instead of waiting

    async def load(self, account_id: int) -> dict[str, str] | None:
        row = (
            await MarketplaceAccount.select(MarketplaceAccount.credentials_encrypted)
            .where(MarketplaceAccount.id == account_id)
            .first()
        )
        return crypto.decrypt(self.credentials_key, row["credentials_encrypted"]) if row else None

    async def claim(self, account_id: int, lease_s: float) -> bool:
        now = self.clock()
        rows = await MarketplaceAccount.raw(
            "UPDATE marketplace_account SET token_lease_until = {} "
            "WHERE id = {} AND token_lease_until < {} RETURNING id",
            now + lease_s,
            account_id,
            now,
        )
        return bool(rows)

    async def save(self, account_id: int, credentials: dict[str, str]) -> None:
        await MarketplaceAccount.update(
            {
                MarketplaceAccount.credentials_encrypted: crypto.encrypt(self.credentials_key, credentials),
                MarketplaceAccount.token_lease_until: 0.0,
            }
        ).where(MarketplaceAccount.id == account_id)

    async def release(self, account_id: int) -> None:
        await MarketplaceAccount.update({MarketplaceAccount.token_lease_until: 0.0}).where(
            MarketplaceAccount.id == account_id
        )
