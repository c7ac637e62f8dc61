"""Small pure helpers of the validate core: times, ids, consent, context fields, DLQ records."""

from __future__ import annotations

import datetime as dt
from typing import Any

UTC = dt.UTC


def parse_time(value: Any) -> dt.datetime | None:
    """ISO-8601 text (``Z`` or offset; naive means UTC) or epoch milliseconds -> aware UTC."""
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is UTC:  # the common "...Z" form: already canonical
            return parsed
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = dt.datetime.fromtimestamp(value / 1000.0, UTC)
        except (ValueError, OverflowError, OSError):
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    if parsed.utcoffset() == dt.timedelta(0):
        return parsed if parsed.tzinfo is UTC else parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def id_text(value: Any) -> str | None:
    """Ids may arrive as strings or integers; anything else is not an id."""
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def effective_consent(consent: dict[str, Any] | None, default: bool) -> tuple[bool, bool]:
    if consent is None:
        return default, default
    analytics = consent.get("analytics")
    personalization = consent.get("personalization")
    return (analytics if isinstance(analytics, bool) else default,
            personalization if isinstance(personalization, bool) else default)


def context_text(context: dict[str, Any], name: str) -> str | None:
    value = context.get(name)
    return value if isinstance(value, str) and value else None


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def dlq_record(reason: str, errors: list[dict[str, str]], received_at: str | None,
                payload: Any) -> dict[str, Any]:
    return {
        "stage": "validate",
        "reason": reason,
        "errors": errors,
        "receivedAt": received_at or iso(dt.datetime.now(UTC)),
        "payload": payload,
    }
