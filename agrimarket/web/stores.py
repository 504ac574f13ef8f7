"""Litestar stores (rate-limit counters): in memory when embedded, in PostgreSQL when scaled out.

Why PostgreSQL and not Redis: the scaled-out design names PostgreSQL + S3 as its only services,
and a rate-limit counter costs one indexed upsert there; adding Redis would be one more service to
run, secure and monitor for a few small writes per login or scan. With SQLite there is one
process, so Litestar's default memory store is already shared by everything.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from litestar.stores.base import NamespacedStore, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry

from agrimarket.settings import Settings
from agrimarket.tables import SharedValue

# Expired rows are swept by about one write in this many, so the table stays small without a timer.
SWEEP_ONE_IN = 200


def _seconds(value: int | timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PostgresStore(NamespacedStore):
    """A Litestar store in the ``shared_value`` table, visible to every app process."""

    __slots__ = ("namespace",)

    def __init__(self, namespace: str = "agrimarket") -> None:
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> PostgresStore:
        return type(self)(f"{self.namespace}:{namespace}")

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        seconds = _seconds(expires_in)
        expires_at = None if seconds is None else time.time() + seconds
        await SharedValue.raw(
            "INSERT INTO shared_value (key, value, expires_at) VALUES ({}, {}, {}) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at",
            self._key(key),
            data,
            expires_at,
        )
        await self._maybe_sweep()

    async def increment(self, key: str, expires_in: int | timedelta, by: int = 1) -> int:
        """Add ``by`` to a counter atomically (a fresh counter when absent or expired); the new count.

        One upsert, so concurrent requests in different processes never lose a count, unlike a
        get-then-set.
        """
        now = time.time()
        rows = await SharedValue.raw(
            "INSERT INTO shared_value (key, value, expires_at) VALUES ({}, convert_to({}::text, 'UTF8'), {}) "
            "ON CONFLICT (key) DO UPDATE SET "
            "value = CASE WHEN shared_value.expires_at <= {} THEN EXCLUDED.value "
            "ELSE convert_to((convert_from(shared_value.value, 'UTF8')::int + {})::text, 'UTF8') END, "
            "expires_at = CASE WHEN shared_value.expires_at <= {} THEN EXCLUDED.expires_at "
            "ELSE shared_value.expires_at END "
            "RETURNING convert_from(value, 'UTF8')::int AS count",
            self._key(key),
            str(by),
            now + (_seconds(expires_in) or 0),
            now,
            by,
            now,
        )
        await self._maybe_sweep()
        return rows[0]["count"]

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        now = time.time()
        renew = _seconds(renew_for)
        if renew is not None:
            rows = await SharedValue.raw(
                "UPDATE shared_value SET expires_at = {} WHERE key = {} AND expires_at IS NOT NULL "
                "AND expires_at > {} RETURNING value",
                now + renew,
                self._key(key),
                now,
            )
            if rows:
                return bytes(rows[0]["value"])
        rows = await SharedValue.raw(
            "SELECT value FROM shared_value WHERE key = {} AND (expires_at IS NULL OR expires_at > {})",
            self._key(key),
            now,
        )
        return bytes(rows[0]["value"]) if rows else None

    async def delete(self, key: str) -> None:
        await SharedValue.raw("DELETE FROM shared_value WHERE key = {}", self._key(key))

    async def delete_all(self) -> None:
        # Child namespaces share the prefix, as NamespacedStore requires.
        await SharedValue.raw("DELETE FROM shared_value WHERE key LIKE {}", self._escaped_prefix() + "%")

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        rows = await SharedValue.raw("SELECT expires_at FROM shared_value WHERE key = {}", self._key(key))
        if not rows or rows[0]["expires_at"] is None:
            return None
        left = int(rows[0]["expires_at"] - time.time())
        return left if left > 0 else None

    def _escaped_prefix(self) -> str:
        prefix = f"{self.namespace}:"
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    async def _maybe_sweep(self) -> None:
        if random.randrange(SWEEP_ONE_IN) == 0:  # noqa: S311 - load spreading, not security
            await SharedValue.raw(
                "DELETE FROM shared_value WHERE expires_at IS NOT NULL AND expires_at <= {}", time.time()
            )


async def increment(store: Store, key: str, expires_in: int, by: int = 1) -> int:
    """Atomic on the shared store; get-then-set in memory, where a race can only lose a count."""
    if isinstance(store, PostgresStore):
        return await store.increment(key, expires_in, by)
    count = int(await store.get(key) or 0) + by
    await store.set(key, str(count), expires_in=expires_in)
    return count


def build_stores(settings: Settings) -> StoreRegistry:
    """Every named store of the app: PostgreSQL-backed when several processes share the database."""
    if settings.is_sqlite:
        return StoreRegistry(default_factory=lambda name: MemoryStore())
    root = PostgresStore()
    return StoreRegistry(default_factory=root.with_namespace)
