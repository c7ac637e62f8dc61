"""Per-tenant CORS response headers (pure).

Origins come from ``interlog.tenant.cors_origins``; ``'*'`` allows any origin. The allowed origin
is echoed (with ``Vary: Origin``) and ``Retry-After`` is exposed, so a browser SDK can honour it.
"""

from __future__ import annotations

from collections.abc import Collection

Headers = list[tuple[bytes, bytes]]

ALLOWED_METHODS = b"POST, GET, OPTIONS"
ALLOWED_HEADERS = b"Authorization, Content-Type, Content-Encoding"
PREFLIGHT_MAX_AGE_S = b"600"


def origin_allowed(origin: bytes | None, allowed: Collection[str]) -> bool:
    if not origin:
        return False
    return "*" in allowed or origin.decode("latin-1") in allowed


def cors_headers(origin: bytes | None, allowed: Collection[str]) -> Headers:
    """Headers of a response to a request from ``origin`` (empty when not allowed)."""
    if origin is None or not origin_allowed(origin, allowed):
        return [(b"vary", b"Origin")] if origin else []
    return [
        (b"access-control-allow-origin", origin),
        (b"vary", b"Origin"),
        (b"access-control-expose-headers", b"Retry-After"),
    ]


def preflight_headers(origin: bytes | None, allowed: Collection[str]) -> Headers:
    """Headers of the answer to an ``OPTIONS`` preflight (no CORS headers when not allowed)."""
    headers = cors_headers(origin, allowed)
    if len(headers) > 1:
        headers += [
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", ALLOWED_HEADERS),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE_S),
        ]
    return headers
