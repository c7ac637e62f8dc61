"""``scrub_text``: the text detectors plus the URL policy for URLs embedded in free text."""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from schemas.pii.detectors import scrub_plain_text
from schemas.pii.prefilter import MIN_PII_LENGTH, needs_scan
from schemas.pii.urls import scrub_url

_EMBEDDED_URL: Final = re.compile(
    r"(?i)(?<![\w.\-])(?:[a-z][a-z0-9+.\-]*://|www\.)[^\s<>\"'`{}|\\^]+"
    r"|(?<![^\s(\[<\"'=])/[^\s<>\"'`{}|\\^]*"
)
"""Absolute URLs, ``www.`` hosts, and paths that start a word (``see /p/1?email=...``)."""
_TRAILING_PUNCTUATION: Final = ".,;:!?'\""
_CLOSERS: Final = {")": "(", "]": "[", "}": "{"}


def _trim_url(url: str) -> str:
    """Drop sentence punctuation after a URL; keep closing brackets that close something in the
    URL (``/wiki/Foo_(bar)``, ``email=[redacted]``)."""
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last not in _TRAILING_PUNCTUATION and not unbalanced:
            break
        url = url[:-1]
    return url


def scrub_text(text: str, counts: Counter[str]) -> str:
    """Replace every PII value in free text by its typed placeholder (``[email]``, ``[phone]``,
    ``[card]``, ``[iban]``, ``[ssn]``, ``[national_id]``, ``[ip]``, ``[token]``, ``[password]``)
    and increment ``counts[kind]`` per replacement. URLs inside the text (``scheme://...``,
    ``www....`` or a word starting with ``/``) get the URL policy of ``scrub_url``. Returns
    ``text`` itself when nothing was found; a clean string costs only the pre-filter."""
    if len(text) < MIN_PII_LENGTH or not needs_scan(text):
        return text
    if "/" not in text and "www." not in text.lower():
        return scrub_plain_text(text, counts)
    pieces: list[str] = []
    done = 0
    for match in _EMBEDDED_URL.finditer(text):
        url = _trim_url(match.group(0))
        start, end = match.start(), match.start() + len(url)
        pieces.append(scrub_plain_text(text[done:start], counts))
        pieces.append(scrub_url(url, counts))
        done = end
    pieces.append(scrub_plain_text(text[done:], counts))
    return "".join(pieces)
