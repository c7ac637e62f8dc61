"""Write-key extraction (pure)."""

from __future__ import annotations

import base64

from producers.bridge.auth import key_from_authorization, key_from_query, request_key


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
