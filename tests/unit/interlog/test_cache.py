"""The TTL cache of key lookups (pure)."""

from __future__ import annotations

from interlog.cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ttl_cache_expires_and_keeps_stale_values() -> None:
    clock = Clock()
    cache: TtlCache[str | None] = TtlCache(5.0, clock)
    cache.put("k", "v")
    cache.put("unknown", None)
    clock.now = 4.9
    hit = cache.get("k")
    negative = cache.get("unknown")
    assert hit is not None and hit.value == "v"
    assert negative is not None and negative.value is None
    clock.now = 5.0
    assert cache.get("k") is None
    stale = cache.stale("k")
    assert stale is not None and stale.value == "v"


def test_ttl_cache_is_bounded() -> None:
    clock = Clock()
    cache: TtlCache[int] = TtlCache(1.0, clock, max_entries=10)
    for i in range(10):
        cache.put(i, i)
    clock.now = 2.0
    cache.put("fresh", 1)
    assert len(cache) == 1
    for i in range(20):
        cache.put(f"n{i}", i)
    assert len(cache) <= 10
