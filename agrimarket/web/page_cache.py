"""One bounded cache for what the busiest public pages are built from (the scan page's batch facts
and rendered pieces, the public product page's content and whole anonymous page).

Each entry is kept at most ``max_age`` seconds and at most ``size`` entries are kept: a new key
evicts the oldest one, so a crawler walking every product cannot grow the process. The clock is
injectable so the limits can be tested without waiting. Used from the event loop only (no lock).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class PageCache(Generic[K, V]):
    """At most ``size`` entries, each for ``max_age`` seconds of ``clock`` (monotonic by default)."""

    def __init__(self, size: int, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        if size < 1 or max_age <= 0:
            raise ValueError("a page cache needs room for one entry and a positive age")
        self.size = size
        self.max_age = max_age
        self._clock = clock
        # Insertion order is age order (one max_age for all): the first key is the oldest entry.
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, or None when there is none or it has expired."""
        hit = self._entries.get(key)
        if hit is None:
            return None
        if hit[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return hit[1]

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key`` (the oldest entry makes room when full); returns ``value``."""
        entries = self._entries
        if entries.pop(key, None) is None and len(entries) >= self.size:
            del entries[next(iter(entries))]
        entries[key] = (self._clock() + self.max_age, value)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]
