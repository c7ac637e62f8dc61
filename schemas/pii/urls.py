"""URL policy: keep the shape of a URL, drop what identifies a person.

For an absolute URL (``https://user:pw@host/p?q=1#frag``), a scheme-relative one, or a path
(``/p/1?email=a@b.c#token``):

- userinfo (``user:pw@``) is removed (kind ``url_userinfo``); an IP-literal host becomes ``[ip]``;
- the fragment is removed (kind ``url_fragment``): SPAs and OAuth implicit flows put tokens there;
- query keys are kept; the value of a key outside ``QUERY_ALLOWLIST`` becomes ``[redacted]``
  (kind ``url_query``; empty values stay empty); allowlisted values and the keys themselves are
  still percent-decoded and run through the text detectors;
- path segments are percent-decoded and run through the text detectors (``/users/jane@x.com``
  -> ``/users/[email]``); a changed segment is written back with placeholders unencoded.

URLs without ``?``, ``#``, ``@`` and without anything the pre-filter notices cost one regex search.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Final
from urllib.parse import quote, unquote, unquote_plus

from schemas.pii.detectors import scrub_plain_text
from schemas.pii.placeholders import PLACEHOLDERS, REDACTED
from schemas.pii.prefilter import needs_scan

QUERY_ALLOWLIST: Final[frozenset[str]] = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "page", "sort", "lang"}
)
"""Query keys (lowercased) whose values are kept (after text scrubbing): the five UTM campaign
parameters, plus ``page`` (pagination number), ``sort`` (a column name) and ``lang`` (a locale)
— bounded vocabularies the path statistics need and that do not describe a person. Search terms
(``q``) are NOT kept: free text typed by users is where PII shows up; search events carry the
query in ``eventData``, scrubbed there."""

_URL: Final = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*:)?(?://(?P<authority>[^/?#]*))?(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?",
    re.DOTALL,
)
_IP_HOST: Final = re.compile(r"\[[0-9A-Fa-f:.%A-Za-z\-]+\]|(?:[0-9]{1,3}\.){3}[0-9]{1,3}")
_SAFE_PATH: Final = "/@:+,;=[]!$&'()*~"
_SAFE_QUERY: Final = "/@:+,;[]!$'()*~"


def _scrub_component(raw: str, counts: Counter[str], *, plus_is_space: bool) -> str:
    """Decode, scrub, and re-encode one path segment or query part; unchanged if nothing found."""
    decoded = unquote_plus(raw) if plus_is_space else unquote(raw)
    if not needs_scan(decoded):
        return raw
    scrubbed = scrub_url(decoded, counts) if "://" in decoded else scrub_plain_text(decoded, counts)
    if scrubbed == decoded:
        return raw
    return quote(scrubbed, safe=_SAFE_PATH if not plus_is_space else _SAFE_QUERY)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _scrub_authority(authority: str, counts: Counter[str]) -> str:
    if "@" in authority:
        authority = authority.rpartition("@")[2]
        counts["url_userinfo"] += 1
    host, port = authority, ""
    if not host.startswith("["):
        host, colon, port = authority.partition(":")
        port = colon + port
    else:
        close = host.find("]")
        host, port = host[: close + 1], host[close + 1 :]
    if _IP_HOST.fullmatch(host) and _is_ip(host.strip("[]")):
        counts["ip"] += 1
        return PLACEHOLDERS["ip"] + port
    return authority


def _scrub_query(query: str, counts: Counter[str]) -> str:
    parts = []
    for part in query.split("&"):
        key, equals, value = part.partition("=")
        key = _scrub_component(key, counts, plus_is_space=True)
        if equals and value:
            if unquote_plus(key).lower() in QUERY_ALLOWLIST:
                value = _scrub_component(value, counts, plus_is_space=True)
            elif value != REDACTED:
                counts["url_query"] += 1
                value = REDACTED
        parts.append(f"{key}{equals}{value}")
    return "&".join(parts)


def scrub_url(url: str, counts: Counter[str]) -> str:
    """Apply the URL policy (module doc) to ``url``; increments ``counts`` per redaction."""
    if "?" not in url and "#" not in url and "@" not in url:
        # Only the host (an IP literal) and the path can hold PII: probe them without the
        # scheme's "://", which alone would trip the pre-filter.
        probe = url.partition("://")[2] or url
        if not needs_scan(probe):
            return url
    match = _URL.fullmatch(url)
    if match is None:  # pragma: no cover - the pattern accepts every string
        return scrub_plain_text(url, counts)
    scheme, authority, path, query, fragment = match.group("scheme", "authority", "path", "query", "fragment")
    out = [scheme or ""]
    if authority is not None:
        out.append("//" + _scrub_authority(authority, counts))
    if path:
        out.append("/".join(_scrub_component(s, counts, plus_is_space=False) for s in path.split("/")))
    if query is not None:
        out.append("?" + _scrub_query(query, counts))
    if fragment:
        counts["url_fragment"] += 1
    return "".join(out)
