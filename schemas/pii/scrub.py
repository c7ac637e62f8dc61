"""``scrub_tree``: the PII policy over a JSON-like value (dicts, lists, scalars) at any depth.

- A value under a sensitive key (``keys.is_sensitive_key``) is redacted whatever it looks like:
  every string and number leaf below it (the key's value itself, or each leaf of a nested
  dict/list, keeping the structure) becomes the placeholder the key implies (``email`` ->
  ``[email]``, ``password`` -> ``[password]``, ``firstName`` -> ``[redacted]``) and is counted as
  kind ``sensitive_key``. ``None``, booleans and empty strings are kept (they cannot carry a
  value, and keeping them keeps the shape the schema expects).
- Other strings: URL-valued strings (``scheme://...``, ``www....`` or ``/path`` without spaces) go
  through ``scrub_url``, all others through ``scrub_text``; counted by detected kind.
- Integers of 13-19 digits that are valid card numbers become ``[card]`` (kind ``card``);
  other numbers, booleans and ``None`` are kept.
- Dict keys are scrubbed as text too (a key can be an e-mail address); if two keys collapse into
  the same placeholder key, the later value wins.

Returns a new structure (tuples come back as lists); the input is never modified. Idempotent:
``scrub_tree(scrub_tree(x, c), c) == scrub_tree(x, c)``, and values that already are placeholders
are not counted again.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Final

from schemas.pii.keys import sensitive_key_kind
from schemas.pii.numbers import is_card_number
from schemas.pii.placeholders import PLACEHOLDER_VALUES, PLACEHOLDERS, REDACTED
from schemas.pii.prefilter import MIN_PII_LENGTH
from schemas.pii.text import scrub_text
from schemas.pii.urls import scrub_url

_URL_VALUED: Final = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.|/)\S*")
_CARD_INT_MIN: Final = 10**12
_CARD_INT_MAX: Final = 10**19


_CLEAN_CACHE_MAX: Final = 65_536
_CLEAN_CACHE_MAX_LEN: Final = 256
_known_clean: dict[str, None] = {}
_plain_keys: dict[str, None] = {}
"""Dict keys known to be neither sensitive nor in need of scrubbing (bounded like the memo)."""
"""Memo of strings (<= 256 chars) that scrubbing leaves unchanged. Event vocabularies repeat
(event types, locales, paths, product names), so most strings cost one dict lookup. Only clean
strings are remembered (no PII is retained); the memo is emptied when it reaches 65,536 entries."""


def _remember_clean(value: str) -> None:
    if len(value) <= _CLEAN_CACHE_MAX_LEN:
        if len(_known_clean) >= _CLEAN_CACHE_MAX:
            _known_clean.clear()
        _known_clean[value] = None


def scrub_string(value: str, counts: Counter[str]) -> str:
    """``scrub_url`` for URL-valued strings, ``scrub_text`` for everything else."""
    if len(value) < MIN_PII_LENGTH or value in _known_clean:
        return value
    url_start = value[:1] == "/" or "://" in value[:24] or value[:4] == "www."
    if url_start and _URL_VALUED.fullmatch(value):
        out = scrub_url(value, counts)
    else:
        out = scrub_text(value, counts)
    if out == value:
        _remember_clean(value)
    return out


def scrub_key(key: str, counts: Counter[str]) -> str:
    """Dict keys are scrubbed as text (never as URLs)."""
    if len(key) < MIN_PII_LENGTH or key in _known_clean:
        return key
    out = scrub_text(key, counts)
    if out == key:
        _remember_clean(key)
    return out


def _redact_leaves(value: Any, placeholder: str, counts: Counter[str]) -> Any:
    if isinstance(value, dict):
        return {
            (scrub_key(k, counts) if type(k) is str else k): _redact_leaves(v, placeholder, counts)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_redact_leaves(v, placeholder, counts) for v in value]
    if value is None or isinstance(value, bool) or value == "":
        return value
    if isinstance(value, str) and value in PLACEHOLDER_VALUES:
        return value
    counts["sensitive_key"] += 1
    return placeholder


def _scrub_dict(value: dict[Any, Any], counts: Counter[str]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    known_clean = _known_clean
    for key, item in value.items():
        if type(key) is str and key not in _plain_keys:
            kind = sensitive_key_kind(key)
            new_key = scrub_key(key, counts)
            if kind is not None:
                out[new_key] = _redact_leaves(item, PLACEHOLDERS.get(kind, REDACTED), counts)
                continue
            if new_key == key and len(_plain_keys) < _CLEAN_CACHE_MAX:
                _plain_keys[key] = None
            key = new_key
        # Leaves are handled inline: most nodes are short or already-seen strings and numbers.
        kind_of = type(item)
        if kind_of is str:
            out[key] = item if item in known_clean else scrub_string(item, counts)
        elif kind_of is float or kind_of is bool or item is None:
            out[key] = item
        elif kind_of is dict:
            out[key] = _scrub_dict(item, counts)
        else:
            out[key] = scrub_tree(item, counts)
    return out


def scrub_tree(value: Any, counts: Counter[str]) -> Any:
    """Return a copy of ``value`` with the PII policy applied (see module doc); ``counts[kind]``
    is incremented once per redacted value."""
    kind_of = type(value)
    if kind_of is str:
        return scrub_string(value, counts)
    if kind_of is dict or isinstance(value, dict):
        return _scrub_dict(value, counts)
    if kind_of is list or isinstance(value, (list, tuple)):
        return [scrub_tree(item, counts) for item in value]
    if isinstance(value, str):  # a str subclass
        return scrub_string(str(value), counts)
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and _CARD_INT_MIN <= abs(value) < _CARD_INT_MAX
        and is_card_number(str(abs(value)))
    ):
        counts["card"] += 1
        return PLACEHOLDERS["card"]
    return value
