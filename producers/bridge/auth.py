"""Write-key extraction from a request (pure).

The contract's four forms, in this order of precedence: ``Authorization: Bearer <key>``,
HTTP Basic with the key as user name, ``?writeKey=<key>`` (``navigator.sendBeacon`` cannot set
headers) and ``writeKey`` in the body (taken by :func:`producers.bridge.envelope.parse_body`).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs


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
