"""PII detection and scrubbing (pure functions, no I/O): the contract's "PII and consent policy".

Public API (``counts`` is a ``collections.Counter[str]``, incremented once per redaction by kind;
feed it to ``interlog_pii_redactions_total{kind}``):

- ``scrub_text(text, counts) -> str``: typed placeholders for PII values in free text (URLs inside
  the text get the URL policy);
- ``scrub_url(url, counts) -> str``: the URL policy (query allowlist, no fragment, no userinfo,
  PII in path segments and IP hosts replaced);
- ``scrub_tree(value, counts) -> Any``: a scrubbed copy of a JSON-like value at any depth: values
  of sensitive keys redacted, URL-valued strings through ``scrub_url``, other strings through
  ``scrub_text``, card-number integers replaced;
- ``is_sensitive_key(key) -> bool``: case- and separator-insensitive sensitive-key match;
- ``truncate_ip(ip) -> str | None``: ``/24`` (IPv4) or ``/48`` (IPv6) network, None if invalid;
- ``hmac_id(secret, value) -> str``: ``"h:" + hex HMAC-SHA256`` keyed pseudonym;
- ``PLACEHOLDERS`` (kind -> placeholder), ``COUNT_KINDS`` (every counter kind),
  ``QUERY_ALLOWLIST`` (query keys whose values are kept).

Kinds and placeholders: ``email [email]``, ``phone [phone]``, ``card [card]``, ``iban [iban]``,
``ssn [ssn]``, ``national_id [national_id]`` (UK NINO), ``ip [ip]``, ``token [token]`` (JWT,
Bearer/Basic credentials, vendor API keys, long high-entropy strings), ``password [password]``,
``sensitive_key`` (a value redacted because of its key; the placeholder is the one the key
implies, e.g. ``[email]`` for ``emailAddress``, ``[redacted]`` for ``firstName``), ``url_query``
(``[redacted]``), and the removals ``url_fragment`` and ``url_userinfo``.

Example::

    counts: Counter[str] = Counter()
    scrub_tree({"email": "a@b.c", "q": "call +1 212 555 1234"}, counts)
    # -> {"email": "[email]", "q": "call [phone]"}; counts == {"sensitive_key": 1, "phone": 1}
"""

from __future__ import annotations

from schemas.pii.keys import is_sensitive_key
from schemas.pii.network import hmac_id, truncate_ip
from schemas.pii.placeholders import COUNT_KINDS, PLACEHOLDERS
from schemas.pii.scrub import scrub_tree
from schemas.pii.text import scrub_text
from schemas.pii.urls import QUERY_ALLOWLIST, scrub_url

__all__ = [
    "COUNT_KINDS",
    "PLACEHOLDERS",
    "QUERY_ALLOWLIST",
    "hmac_id",
    "is_sensitive_key",
    "scrub_text",
    "scrub_tree",
    "scrub_url",
    "truncate_ip",
]
