"""The pre-filter: decide with a few C-speed string operations whether a string can hold PII.

Most strings in an event (``click``, ``en-US``, product names, UUIDs, ISO timestamps) cannot, and
must cost almost nothing: a single regex with a dozen alternatives costs several microseconds per
string in CPython's ``re`` (each alternative is tried at every position), so instead this module
uses substring tests, one ``bytes.translate`` to count digits, and a targeted regex only for the
rare strings that pass a cheap necessary condition. ``needs_scan`` may say True for clean strings
(the detectors then validate and find nothing) but never False for a string a detector would
change: each branch is a necessary condition of the detectors in ``detectors.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final
from urllib.parse import unquote

MIN_PII_LENGTH: Final = 3
"""Shorter strings are never scanned (the shortest PII value is an IPv6 address like ``::1``)."""
_DIGITS: Final = b"0123456789"
_UUID: Final = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_ISO_DATETIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?"
    r"(?:Z|[+\-][0-9]{2}:?[0-9]{2})?)?"
)
# Patterns start with a character class so CPython's ``re`` can skip ahead in C; what must
# not precede a match is checked in Python (a look-behind in front would disable the skipping).
_SEVEN_DIGITS: Final = re.compile(r"[0-9](?:[ ().\-/]{0,3}[0-9]){6}")  # phone, card, SSN
_IBAN_OR_NINO: Final = re.compile(r"[A-Z]{2}(?:[0-9]{2}(?: ?[A-Z0-9]){11}| ?[0-9]{2} ?[0-9]{2} ?[0-9]{2})")
_DOTTED_QUAD: Final = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")
_IPV6_SHAPE: Final = re.compile(r"::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:")
_CREDENTIAL_WORDS: Final = ("pass", "pwd", "secret", "token", "key", "auth", "cookie", "pin", "otp", "sess")
_LONG_RUN_24: Final = re.compile(r"[A-Za-z0-9+/_\-]{24}")
_HEX_32: Final = re.compile(r"[0-9A-Fa-f]{32}")
_TOKEN_PREFIXES: Final = re.compile(
    r"sk_|pk_|rk_|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat|xox|AIza|glpat|npm_"
)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _glued_to_word(text: str, start: int) -> bool:
    """Mirrors the digit-run detector: ``(?<!\\w)(?<![\\w.][.\\-])`` before the first digit."""
    if start == 0:
        return False
    before = text[start - 1]
    if _is_word(before):
        return True
    return before in ".-" and start >= 2 and (_is_word(text[start - 2]) or text[start - 2] == ".")


def _glued_to_dotted(text: str, start: int) -> bool:
    """Mirrors the IPv4 detector: ``(?<![\\w./])`` before the first octet."""
    return start > 0 and (_is_word(text[start - 1]) or text[start - 1] in "./")


def _search_unglued(pattern: re.Pattern[str], text: str, glued: Callable[[str, int], bool]) -> bool:
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if not glued(text, match.start()):
            return True
        position = match.start() + 1
    return False


def needs_scan(text: str) -> bool:
    """False only when no detector can change ``text`` (see module doc)."""
    n = len(text)
    if n < 5:  # only a compressed IPv6 address ("::1", "1::2") is that short
        return n >= MIN_PII_LENGTH and "::" in text
    if "@" in text or "://" in text or "%40" in text or "eyJ" in text or "www." in text:
        return True
    if "%" in text:
        decoded = unquote(text)
        if decoded != text and needs_scan(decoded):
            return True
    raw = text.encode("utf-8", "surrogatepass")
    digits = len(raw) - len(raw.translate(None, _DIGITS))
    if digits >= 6:
        if n == 36 and text[8] == "-" and _UUID.fullmatch(text):
            return False
        if text[4] == "-" and _ISO_DATETIME.fullmatch(text):
            return False
        # A digit-run window never starts glued to a word, nor glued to one by "-" or "."
        # ("ORD-2024-000123", "10.0.19045" cannot hold a phone, card or SSN).
        if _search_unglued(_SEVEN_DIGITS, text, _glued_to_word):
            return True
        if not text.islower() and _IBAN_OR_NINO.search(text):
            return True
    if digits >= 4 and text.count(".") >= 3 and _search_unglued(_DOTTED_QUAD, text, _glued_to_dotted):
        return True
    colon = ":" in text
    if colon and text.count(":") >= 2 and _IPV6_SHAPE.search(text):
        return True
    lowered = ""
    if colon or "=" in text:
        lowered = text.lower()
        if any(word in lowered for word in _CREDENTIAL_WORDS):
            return True
    if n >= 14:  # "Bearer " + 8 chars
        lowered = lowered or text.lower()
        if "bearer" in lowered or "basic" in lowered:
            return True
    if n >= 16 and max(map(len, text.split())) >= 16:
        # Generic tokens: 24+ chars mixing upper, lower and digits, or 32+ hex chars.
        if digits and n >= 24 and not text.islower() and _LONG_RUN_24.search(text):
            return True
        if digits and n >= 32 and _HEX_32.search(text):
            return True
        # Vendor keys have random mixed-case/digit bodies: an all-lowercase, digit-free string
        # (``add_to_collection``) cannot be one, and skips the regex.
        if (digits or not text.islower()) and _TOKEN_PREFIXES.search(text):
            return True
    return False
