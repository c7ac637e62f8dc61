"""Per-key token buckets (pure; the clock is injected).

A bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; a request costs one token
per event (capped at ``burst`` so that any allowed batch can eventually pass).
"""

from __future__ import annotations

from collections.abc import Callable


class TokenBucket:
    """One key's bucket; starts full."""

    __slots__ = ("_burst", "_rate", "_stamp", "_tokens")

    def __init__(self, rate_per_s: float, burst: float, now: float) -> None:
        self._rate = rate_per_s
        self._burst = burst
        self._tokens = burst
        self._stamp = now

    def take(self, cost: float, now: float) -> float:
        """Take ``cost`` tokens: 0.0 when granted, else the seconds until it would be."""
        cost = min(cost, self._burst)
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens >= cost:
            self._tokens -= cost
            return 0.0
        return (cost - self._tokens) / self._rate


class RateLimiter:
    """Token buckets by key id (a key's bucket is created on its first request)."""

    def __init__(self, rate_per_s: float, burst: float, clock: Callable[[], float]) -> None:
        self._rate = rate_per_s
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key_id: str, cost: float) -> float:
        """Seconds to wait before ``cost`` events of ``key_id`` are allowed (0.0: allowed now)."""
        now = self._clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = TokenBucket(self._rate, self._burst, now)
        return bucket.take(cost, now)
