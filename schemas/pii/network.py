"""Client IP truncation and keyed pseudonyms (consent handling)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Final

IPV4_PREFIX: Final = 24
IPV6_PREFIX: Final = 48
HMAC_PREFIX: Final = "h:"


def truncate_ip(ip: str) -> str | None:
    """``203.0.113.77`` -> ``203.0.113.0/24``; IPv6 -> its ``/48`` network; an IPv4-mapped IPv6
    address (``::ffff:203.0.113.77``) is treated as IPv4. Brackets (``[2001:db8::1]``) and a zone
    id (``fe80::1%eth0``) are accepted. Anything that is not an IP address -> None."""
    text = ip.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.partition("%")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = IPV4_PREFIX if isinstance(address, ipaddress.IPv4Address) else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def hmac_id(secret: bytes, value: str) -> str:
    """Stable keyed pseudonym: ``"h:" + hex(HMAC-SHA256(secret, value UTF-8))`` (66 chars).

    The same (secret, value) always gives the same id, so aggregates still join; another tenant's
    secret gives an unrelated id. The ``h:`` prefix marks it as a pseudonym (the token detector
    leaves ``h:`` + 64 hex alone, so re-scrubbing an event does not destroy it)."""
    return HMAC_PREFIX + hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
