"""The PII layer (``schemas.pii``) as the validate stage uses it: one tenant secret, one redaction
counter, and a cache for short strings, because most strings of an event (component names, locales,
paths, app versions) repeat from event to event while the detectors cost microseconds each."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from schemas.pii import hmac_id, scrub_tree, scrub_url, truncate_ip

CACHED_MAX_CHARS = 160
"""Strings up to this length are cached with their result and redaction counts."""

CACHE_MAX_ENTRIES = 65536
"""The cache is emptied when it grows past this many strings."""

_Entry = tuple[str, tuple[tuple[str, int], ...]]

# All events of a client batch carry the same bridge-stamped IP; ipaddress parsing costs ~10 µs.
_ip_prefix = lru_cache(maxsize=65536)(truncate_ip)
# Users send many events: their pseudonyms repeat (HMAC-SHA256 costs ~2 µs).
_pseudonym = lru_cache(maxsize=65536)(hmac_id)


class StringCache:
    """``fn(text, counts) -> text`` memoised for short strings, replaying the counts on hits."""

    __slots__ = ("_fn", "_scratch", "entries")

    def __init__(self, fn: Any) -> None:
        self._fn = fn
        self.entries: dict[str, _Entry] = {}
        self._scratch: Counter[str] = Counter()

    def __call__(self, text: str, counts: Counter[str]) -> str:
        if len(text) > CACHED_MAX_CHARS:
            result: str = self._fn(text, counts)
            return result
        entry = self.entries.get(text)
        if entry is None:
            scratch = self._scratch
            out: str = self._fn(text, scratch)
            entry = (out, tuple(scratch.items()))
            scratch.clear()
            if len(self.entries) >= CACHE_MAX_ENTRIES:
                self.entries.clear()
            self.entries[text] = entry
        for kind, n in entry[1]:
            counts[kind] += n
        return entry[0]


class Scrubber:
    """PII scrubbing bound to one event's tenant secret and the batch's redaction counter."""

    __slots__ = ("_text", "_url", "counts", "secret")

    def __init__(self, text_cache: StringCache, url_cache: StringCache, counts: Counter[str]) -> None:
        self._text = text_cache
        self._url = url_cache
        self.counts = counts
        self.secret = b""

    def text(self, value: str) -> str:
        # The cache lookup is inlined here: this is called ~10 times per event.
        entry = self._text.entries.get(value)
        if entry is None:
            return self._text(value, self.counts)
        if entry[1]:
            for kind, n in entry[1]:
                self.counts[kind] += n
        return entry[0]

    def url(self, value: str) -> str:
        entry = self._url.entries.get(value)  # inlined like text(): path and referrer
        if entry is None:
            return self._url(value, self.counts)
        if entry[1]:
            for kind, n in entry[1]:
                self.counts[kind] += n
        return entry[0]

    def tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value, self.counts)
        return scrub_tree(value, self.counts)

    def hash_id(self, value: str) -> str:
        return _pseudonym(self.secret, value)

    def ip_prefix(self, value: str) -> str | None:
        return _ip_prefix(value)


def string_text_cache() -> StringCache:
    """A cache around ``scrub_tree`` for single strings (detectors and URL-valued strings)."""
    return StringCache(scrub_tree)


def string_url_cache() -> StringCache:
    """A cache around ``scrub_url`` (``path``, ``referrer``)."""
    return StringCache(scrub_url)


__all__ = ["Scrubber", "StringCache", "string_text_cache", "string_url_cache"]
