"""Errors that end a bridge request with a given HTTP status (and ``Retry-After`` where due)."""

from __future__ import annotations

from typing import Any

from interlog.exceptions import InterlogError


class RequestRejected(InterlogError):  # noqa: N818 - named for the outcome
    """The request is answered ``status`` with ``{"error": message, **extra}``."""

    status = 400

    def __init__(self, message: str, retry_after_s: int | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s
        self.extra = extra or {}


class BadRequest(RequestRejected):
    status = 400


class Unauthorized(RequestRejected):
    status = 401


class NotFound(RequestRejected):
    status = 404


class MethodNotAllowed(RequestRejected):
    status = 405


class PayloadTooLarge(RequestRejected):
    status = 413


class UnsupportedMediaType(RequestRejected):
    status = 415


class RateLimited(RequestRejected):
    status = 429


class Unavailable(RequestRejected):
    """Kafka (or the key store) cannot take the request now; the client retries it whole."""

    status = 503
