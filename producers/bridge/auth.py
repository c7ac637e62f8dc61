"""Write-key extraction from a request and the TTL cache of key lookups (pure).

The contract's four forms, in this order of precedence: ``Authorization: Bearer <key>``,
HTTP Basic with the key as user name, ``?writeKey=<key>`` (``navigator.sendBeacon`` cannot set
headers) and ``writeKey`` in the body (taken by :func:`producers.bridge.envelope.parse_body`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import parse_qs

MAX_KEY_CHARS = 200

V = TypeVar("V")


def key_from_authorization(header: bytes | None) -> str | None:
    """The key of a ``Bearer`` or ``Basic`` (user name) ``Authorization`` header, else None."""
    if not header:
        return None
    scheme, _, credentials = header.decode("latin-1").strip().partition(" ")
    credentials = credentials.strip()
    scheme = scheme.lower()
    if scheme == "bearer":
        return credentials or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user = decoded.partition(":")[0]
        return user or None
    return None


def key_from_query(query_string: bytes) -> str | None:
    """The ``writeKey`` query parameter, else None."""
    if not query_string or b"writeKey" not in query_string:
        return None
    values = parse_qs(query_string.decode("latin-1")).get("writeKey")
    return values[0] if values else None


def request_key(authorization: bytes | None, query_string: bytes) -> str | None:
    """The write key carried by the headers or the query string (None: look in the body)."""
    return key_from_authorization(authorization) or key_from_query(query_string)


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
