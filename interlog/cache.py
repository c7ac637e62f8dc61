"""A bounded map with time-to-live entries that keeps the last known answer (pure)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class CacheEntry(Generic[V]):
    value: V
    expires_at: float


class TtlCache(Generic[V]):
    """A bounded map whose entries expire ``ttl_s`` seconds after they were put.

    Expired entries are still returned by :meth:`stale` (the last known answer, used when the
    key store is unreachable). When ``max_entries`` is reached, expired entries are dropped, and
    if that is not enough the whole cache is cleared (bounded memory under random-key floods).
    """

    def __init__(self, ttl_s: float, clock: Callable[[], float], max_entries: int = 50_000) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._max = max_entries
        self._entries: dict[Hashable, CacheEntry[V]] = {}

    def get(self, key: Hashable) -> CacheEntry[V] | None:
        """The live entry of ``key`` (None when absent or expired)."""
        entry = self._entries.get(key)
        if entry is None or entry.expires_at <= self._clock():
            return None
        return entry

    def stale(self, key: Hashable) -> CacheEntry[V] | None:
        """The entry of ``key`` even if it has expired."""
        return self._entries.get(key)

    def put(self, key: Hashable, value: V) -> None:
        if len(self._entries) >= self._max:
            now = self._clock()
            self._entries = {k: e for k, e in self._entries.items() if e.expires_at > now}
            if len(self._entries) >= self._max:
                self._entries.clear()
        self._entries[key] = CacheEntry(value, self._clock() + self._ttl)

    def __len__(self) -> int:
        return len(self._entries)
