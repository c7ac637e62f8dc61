"""Write-key extraction and the TTL cache (pure)."""

from __future__ import annotations

import base64

from producers.bridge.auth import TtlCache, key_from_authorization, key_from_query, request_key


def basic(user: str, password: str = "") -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


def test_bearer_and_basic() -> None:
    assert key_from_authorization(b"Bearer ilw_a_b") == "ilw_a_b"
    assert key_from_authorization(b"bearer   ilw_a_b ") == "ilw_a_b"
    assert key_from_authorization(basic("ilw_a_b")) == "ilw_a_b"
    assert key_from_authorization(basic("ilw_a_b", "ignored")) == "ilw_a_b"


def test_malformed_authorization_gives_no_key() -> None:
    for header in (None, b"", b"Bearer", b"Basic !!!", b"Basic " + base64.b64encode(b":pw"),
                   b"Digest x", b"Basic " + base64.b64encode(b"\xff\xfe")):
        assert key_from_authorization(header) is None


def test_query_key_and_precedence() -> None:
    assert key_from_query(b"writeKey=ilw_q&x=1") == "ilw_q"
    assert key_from_query(b"x=1") is None
    assert key_from_query(b"") is None
    assert request_key(b"Bearer ilw_h", b"writeKey=ilw_q") == "ilw_h"
    assert request_key(None, b"writeKey=ilw_q") == "ilw_q"
    assert request_key(b"Digest x", b"") is None


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
