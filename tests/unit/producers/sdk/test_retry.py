"""The SDK's retry policy (pure)."""

from __future__ import annotations

import random

import pytest

from producers.sdk.retry import backoff_s, classify, parse_retry_after


@pytest.mark.parametrize(("status", "outcome"), [
    (None, "retry"), (200, "delivered"), (204, "delivered"), (400, "drop"), (401, "drop"),
    (413, "drop"), (415, "drop"), (408, "retry"), (429, "retry"), (500, "retry"), (503, "retry"),
])
def test_classify(status: int | None, outcome: str) -> None:
    assert classify(status) == outcome


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    rng = random.Random(1)
    delays = [backoff_s(a, None, 0.5, 60.0, rng) for a in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_s(1, 7.0, 0.5, 60.0, rng) >= 7.0
    assert backoff_s(1, 600.0, 0.5, 60.0, rng) == 60.0
