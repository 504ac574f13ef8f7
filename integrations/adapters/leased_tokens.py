"""Access tokens renewed ahead of expiry by one process at a time (Shopee, Lazada, TikTok Shop).

A seller's authorization code is traded once for an access token and a refresh token, and the
refresh token is traded for a new pair before the access token expires. Shopee's refresh token
works once, so two worker processes renewing together would lock one of them out: a renewal is
claimed through a ``TokenStore`` lease (one process renews and writes the new pair back to the
account's encrypted credentials; the others keep the still-valid token, or wait for the new one).
Without a store (the connect form, contract tests) the adapter's own lock serialises renewals.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import ClassVar, Protocol

from integrations.adapters.base import Account, Retryable

# A token with less than this left is not sent: it could expire on the way.
USABLE_MARGIN_S = 60
LEASE_S = 30.0  # how long one process may take to renew before another may try


def now() -> float:
    return time.time()


def seconds_left(credentials: Mapping[str, str], now: float) -> float:
    """How long the stored access token still works, from its ``expire_at`` (0 when there is none)."""
    if not credentials.get("access_token"):
        return 0.0
    try:
        return float(credentials.get("expire_at") or 0) - now
    except ValueError:
        return 0.0


class TokenStore(Protocol):
    """Where renewed tokens are kept so every process shares them (see integrations.listings.tokens)."""

    async def load(self, account_id: int) -> dict[str, str] | None: ...

    async def claim(self, account_id: int, lease_s: float) -> bool:
        """True for the one caller allowed to renew now."""
        ...

    async def save(self, account_id: int, credentials: dict[str, str]) -> None:
        """Store the renewed credentials and end the caller's claim."""
        ...

    async def release(self, account_id: int) -> None: ...


async def wait_for_renewal(
    store: TokenStore, account_id: int, stale_token: str, polls: int = 40, every_s: float = 0.25
) -> dict[str, str] | None:
    """Another process is renewing: poll the store until its new token shows up (None: it did not)."""
    for _ in range(polls):
        await asyncio.sleep(every_s)
        latest = await store.load(account_id)
        if latest and latest.get("access_token") and latest.get("access_token") != stale_token:
            return latest
    return None


class LeasedTokens:
    """The adapter side: ``_access_token`` for a call, ``_renew`` (the marketplace's own trade) below."""

    tokens: TokenStore | None
    clock: Callable[[], float]
    _lock: asyncio.Lock
    TOKENS_OF: ClassVar[str]  # the marketplace's name, in the error a waiting worker reports
    RENEW_AHEAD_S: ClassVar[float]  # renew this long before expiry, so a failed renewal has time

    async def _renew(self, account: Account) -> None:
        """Trade the refresh token (or, the first time, the authorization code) for a new pair."""
        raise NotImplementedError

    def _seconds_left(self, credentials: Mapping[str, str]) -> float:
        return seconds_left(credentials, self.clock())

    async def _access_token(self, account: Account, forced: bool) -> str:
        """A token to send; ``forced``: the marketplace refused the one we sent, renew it now."""
        creds = account.credentials
        if not forced and self._seconds_left(creds) > self.RENEW_AHEAD_S:
            return creds["access_token"]
        if self.tokens is None or account.account_id is None:
            async with self._lock:  # no shared store: this process only
                if forced or self._seconds_left(creds) <= self.RENEW_AHEAD_S:
                    await self._renew(account)
            return creds["access_token"]
        return await self._shared_token(account, forced)

    async def _shared_token(self, account: Account, forced: bool) -> str:
        """Renew through the store's lease; losers keep the old token while it is still good."""
        store, account_id, creds = self.tokens, account.account_id, account.credentials
        assert store is not None and account_id is not None
        stale = creds.get("access_token", "")
        if await store.claim(account_id, LEASE_S):
            try:
                creds.update(await store.load(account_id) or {})
                renewed_elsewhere = creds.get("access_token") != stale
                if self._seconds_left(creds) <= self.RENEW_AHEAD_S or (forced and not renewed_elsewhere):
                    await self._renew(account)
                await store.save(account_id, creds)
            except BaseException:
                await store.release(account_id)
                raise
            return creds["access_token"]
        if not forced and self._seconds_left(creds) > USABLE_MARGIN_S:
            return creds["access_token"]
        renewed = await wait_for_renewal(store, account_id, stale)
        if renewed is None:
            raise Retryable(f"{self.TOKENS_OF}: another worker is renewing the access token")
        creds.update(renewed)
        return creds["access_token"]
