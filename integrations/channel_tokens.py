"""The Zalo OA's tokens, shared by every process through the database and encrypted at rest.

A refresh token works once, so two processes renewing together would lock the OA out: a renewal
runs inside one write transaction (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``SELECT … FOR
UPDATE`` on the row), re-reads what another process may have stored meanwhile, and stores the new
pair before it commits. Kept as one row of the core's key/value table (``shared_value``).
"""

from __future__ import annotations

from agrimarket.db import write_transaction
from agrimarket.tables import SharedValue
from integrations import crypto
from integrations.channels.zalo import Tokens
from integrations.db import is_postgres

KEY = "zalo-oa-tokens"


class DatabaseTokens:
    def __init__(self, credentials_key: str) -> None:
        self.credentials_key = credentials_key

    async def _read(self, lock: bool = False) -> Tokens | None:
        # A fixed clause: the key is a parameter.
        lock_clause = " FOR UPDATE" if lock and is_postgres() else ""
        rows = await SharedValue.raw(f"SELECT value FROM shared_value WHERE key = {{}}{lock_clause}", KEY)  # noqa: S608
        if not rows or not rows[0]["value"]:
            return None  # none yet, or the empty row a first renewal locks
        stored = crypto.decrypt(self.credentials_key, bytes(rows[0]["value"]).decode())
        return Tokens(stored["access_token"], stored["refresh_token"], float(stored["expires_at"]))

    async def load(self) -> Tokens | None:
        return await self._read()

    async def renew(self, refresh, stale_access_token: str) -> Tokens:
        async with write_transaction():
            # The row exists before it is locked, so even the very first renewals wait for each other.
            await SharedValue.raw(
                "INSERT INTO shared_value (key, value, expires_at) VALUES ({}, {}, NULL) "
                "ON CONFLICT (key) DO NOTHING",
                KEY,
                b"",
            )
            latest = await self._read(lock=True)
            if latest and latest.access_token != stale_access_token:
                return latest  # another process renewed while this one waited for the lock
            tokens = await refresh(latest)
            value = crypto.encrypt(
                self.credentials_key,
                {
                    "access_token": tokens.access_token,
                    "refresh_token": tokens.refresh_token,
                    "expires_at": str(tokens.expires_at),
                },
            ).encode()
            await SharedValue.update({SharedValue.value: value}).where(SharedValue.key == KEY)
            return tokens
