"""When and how long to wait before resending a batch (pure).

Retried: network errors, 5xx, 408 and 429; other 4xx are dropped (resending cannot help).
Backoff: exponential from ``base_s`` doubling up to ``cap_s`` with "equal jitter" (uniform in the
upper half of the step), and never shorter than the server's ``Retry-After``.
"""

from __future__ import annotations

import random
from typing import Literal

Outcome = Literal["delivered", "retry", "drop"]


def classify(status: int | None) -> Outcome:
    """``status`` None means a network error."""
    if status is None or status >= 500 or status in (408, 429):
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    return "drop"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds of a ``Retry-After`` header given in seconds (HTTP dates are ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def backoff_s(attempt: int, retry_after_s: float | None, base_s: float = 0.5, cap_s: float = 60.0,
              rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempt`` (1 = first retry)."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    delay = (rng or random).uniform(ceiling / 2, ceiling)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, cap_s))
    return delay
