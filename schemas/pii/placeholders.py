"""Redaction kinds and their placeholders (the vocabulary of the PII policy).

A *kind* names why something was redacted; it is the label of the redaction counter
(`interlog_pii_redactions_total{kind=...}`). Value detectors replace what they find with the
kind's placeholder; values under sensitive keys are counted as ``sensitive_key`` but get the
placeholder the key implies (an ``email`` key gets ``[email]``, a ``firstName`` key ``[redacted]``).
URL fragments and URL userinfo are removed rather than replaced, so they have no placeholder.
"""

from __future__ import annotations

from typing import Final

PLACEHOLDERS: Final[dict[str, str]] = {
    "email": "[email]",
    "phone": "[phone]",
    "card": "[card]",
    "iban": "[iban]",
    "ssn": "[ssn]",
    "national_id": "[national_id]",
    "ip": "[ip]",
    "token": "[token]",
    "password": "[password]",
    "sensitive_key": "[redacted]",
    "url_query": "[redacted]",
}
"""Kind -> placeholder text. Placeholders contain no digits, ``@``, ``:`` or ``=``, so a second
scrubbing pass never detects them again (scrubbing is idempotent)."""

REMOVAL_KINDS: Final[tuple[str, ...]] = ("url_fragment", "url_userinfo")
"""Kinds counted when something is removed outright instead of replaced."""

COUNT_KINDS: Final[tuple[str, ...]] = (*PLACEHOLDERS, *REMOVAL_KINDS)
"""Every kind that may appear in a redaction counter."""

REDACTED: Final[str] = "[redacted]"

PLACEHOLDER_VALUES: Final[frozenset[str]] = frozenset(PLACEHOLDERS.values())
"""A value equal to one of these was already scrubbed: it is neither re-counted nor changed."""
