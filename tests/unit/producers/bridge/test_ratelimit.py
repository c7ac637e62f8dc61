"""Token buckets (pure, injected clock)."""

from __future__ import annotations

import pytest

from producers.bridge.ratelimit import RateLimiter, TokenBucket


def test_bucket_starts_full_then_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate_per_s=10.0, burst=20.0, now=0.0)
    assert bucket.take(20, now=0.0) == 0.0
    assert bucket.take(5, now=0.0) == pytest.approx(0.5)
    assert bucket.take(5, now=0.5) == 0.0
    assert bucket.take(1, now=0.5) == pytest.approx(0.1)


def test_refill_is_capped_at_the_burst() -> None:
    bucket = TokenBucket(rate_per_s=10.0, burst=20.0, now=0.0)
    bucket.take(20, now=0.0)
    assert bucket.take(20, now=1000.0) == 0.0
    assert bucket.take(1, now=1000.0) > 0


def test_a_batch_larger_than_the_burst_can_pass_after_waiting() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=5.0, now=0.0)
    assert bucket.take(50, now=0.0) == 0.0
    assert bucket.take(50, now=1.0) == pytest.approx(4.0)
    assert bucket.take(50, now=5.0) == 0.0


def test_limiter_keeps_one_bucket_per_key() -> None:
    now = [0.0]
    limiter = RateLimiter(1.0, 2.0, lambda: now[0])
    assert limiter.take("a", 2) == 0.0
    assert limiter.take("a", 1) > 0
    assert limiter.take("b", 2) == 0.0
    now[0] = 1.0
    assert limiter.take("a", 1) == 0.0
