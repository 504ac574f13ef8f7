"""The page cache's two limits: size (the oldest entry makes room) and age (on a fake clock)."""

from __future__ import annotations

import pytest

from agrimarket.web.page_cache import PageCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_cache_evicts_its_oldest_entry():
    cache: PageCache[str, int] = PageCache(size=3, max_age=60, clock=FakeClock())
    for n, key in enumerate("abc"):
        cache.put(key, n)
    assert len(cache) == 3
    cache.put("d", 3)
    assert len(cache) == 3
    assert cache.get("a") is None  # the oldest went
    assert [cache.get(key) for key in "bcd"] == [1, 2, 3]


def test_putting_a_kept_key_again_replaces_it_without_evicting_and_makes_it_newest():
    cache: PageCache[str, int] = PageCache(size=2, max_age=60, clock=FakeClock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)  # no room needed: "b" stays
    assert cache.get("a") == 10 and cache.get("b") == 2
    cache.put("c", 3)  # now "b" is the oldest
    assert cache.get("b") is None and cache.get("a") == 10 and cache.get("c") == 3


def test_an_entry_expires_after_max_age():
    clock = FakeClock()
    cache: PageCache[str, str] = PageCache(size=10, max_age=30, clock=clock)
    cache.put("page", "html")
    clock.now += 29.9
    assert cache.get("page") == "html" and "page" in cache
    clock.now += 0.1
    assert cache.get("page") is None and "page" not in cache
    assert len(cache) == 0  # an expired entry found is dropped
    cache.put("page", "fresh")
    assert cache.get("page") == "fresh"  # age counts from the latest put


def test_clear_and_refused_limits():
    cache: PageCache[int, int] = PageCache(size=2, max_age=1, clock=FakeClock())
    cache.put(1, 1)
    cache.clear()
    assert cache.get(1) is None and len(cache) == 0
    with pytest.raises(ValueError):
        PageCache(size=0, max_age=1)
    with pytest.raises(ValueError):
        PageCache(size=1, max_age=0)
