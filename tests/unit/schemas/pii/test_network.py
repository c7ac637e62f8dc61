"""IP truncation and keyed pseudonyms."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from schemas.pii import hmac_id, truncate_ip


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        (" 198.51.100.1 ", "198.51.100.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("[2001:db8:abcd:12::7]", "2001:db8:abcd::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("::1", "::/48"),
        ("not-an-ip", None),
        ("", None),
        ("999.1.1.1", None),
        ("203.0.113.0/24", None),
    ],
)
def test_truncate_ip(ip: str, expected: str | None) -> None:
    assert truncate_ip(ip) == expected


def test_hmac_id_is_hmac_sha256_hex_stable_per_secret_and_different_across_secrets() -> None:
    expected = "h:" + hmac.new(b"tenant-a", b"user-42", hashlib.sha256).hexdigest()
    assert hmac_id(b"tenant-a", "user-42") == expected
    assert hmac_id(b"tenant-a", "user-42") == hmac_id(b"tenant-a", "user-42")
    assert hmac_id(b"tenant-b", "user-42") != expected
    assert hmac_id(b"tenant-a", "user-43") != expected
    assert len(expected) == 66
