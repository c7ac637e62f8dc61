"""Envelope checks and stamping of ingested events (pure: bytes in, Kafka records out).

The bridge checks only the envelope (DESIGN "Event envelope"): required fields, their types and
the per-event size. Per-type payload schemas are the validate stage's job.

Hot path (measured: about 3x cheaper than parsing with orjson and re-serializing each event):
the body is decoded with msgspec into a list of *raw* event byte strings (validated JSON, not
turned into Python objects); each raw event is checked by decoding only the envelope fields into a
typed struct, and the Kafka value is the event's own bytes with the bridge stamps spliced in before
the closing brace. The stamps (``receivedAt``, ``tenantId``, ``clientIp``, ``userAgent``,
``sentAt``) are serialized once per request. An event that itself carries a stamp name (rare) is
re-serialized without it, so the stamps always overwrite client values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import orjson

from producers.bridge.exceptions import BadRequest

STAMP_KEYS = ("receivedAt", "tenantId", "clientIp", "userAgent", "sentAt")
_MAX_ID_CHARS = 256
_MAX_TIMESTAMP_CHARS = 64
_MAX_EVENT_TYPE_CHARS = 64
# Checked with re in Python: a msgspec ``pattern`` costs 1 us per event here, this 0.2 us.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Constraints checked by msgspec in C while decoding (cheaper than Python checks per event).
_EventIdText = Annotated[str, msgspec.Meta(min_length=36, max_length=36)]
_EventTypeText = Annotated[str, msgspec.Meta(min_length=1, max_length=_MAX_EVENT_TYPE_CHARS)]
_TimestampText = Annotated[str, msgspec.Meta(min_length=10, max_length=_MAX_TIMESTAMP_CHARS)]
_IdText = Annotated[str, msgspec.Meta(min_length=1, max_length=_MAX_ID_CHARS)]
_RAW_NULL = msgspec.Raw(b"null")
_UNSET: Any = msgspec.UNSET

RawEvent = msgspec.Raw | bytes


class _Envelope(msgspec.Struct):
    """The envelope fields with their JSON types; other members are skipped, not decoded."""

    eventId: _EventIdText  # noqa: N815 - JSON member names
    eventType: _EventTypeText  # noqa: N815
    timestamp: _TimestampText
    sessionId: _IdText  # noqa: N815
    userId: _IdText | None = None  # noqa: N815
    anonymousId: _IdText | None = None  # noqa: N815
    path: str | None = None
    component: str | None = None
    action: str | None = None
    perfumeId: str | None = None  # noqa: N815
    houseId: str | None = None  # noqa: N815
    noteId: str | None = None  # noqa: N815
    duration: float | None = None
    value: float | None = None
    eventData: msgspec.Raw = _RAW_NULL  # noqa: N815
    context: msgspec.Raw = _RAW_NULL
    consent: msgspec.Raw = _RAW_NULL
    receivedAt: msgspec.Raw | msgspec.UnsetType = _UNSET  # noqa: N815
    tenantId: msgspec.Raw | msgspec.UnsetType = _UNSET  # noqa: N815
    clientIp: msgspec.Raw | msgspec.UnsetType = _UNSET  # noqa: N815
    userAgent: msgspec.Raw | msgspec.UnsetType = _UNSET  # noqa: N815
    sentAt: msgspec.Raw | msgspec.UnsetType = _UNSET  # noqa: N815


class _Batch(msgspec.Struct):
    batch: list[msgspec.Raw]
    sentAt: str | None = None  # noqa: N815
    writeKey: str | None = None  # noqa: N815


class _WithWriteKey(msgspec.Struct):
    writeKey: Any = _UNSET  # noqa: N815


class _EventIdOnly(msgspec.Struct):
    eventId: Any = None  # noqa: N815


_BODY = msgspec.json.Decoder(_Batch | list[msgspec.Raw])
_ENVELOPE = msgspec.json.Decoder(_Envelope)
_EVENT_ID = msgspec.json.Decoder(_EventIdOnly)
_SINGLE = msgspec.json.Decoder(_WithWriteKey)

_FIELD_PROBLEMS = {
    "eventId": ("invalid_event_id", "eventId must be a UUID string"),
    "eventType": ("invalid_event_type", "eventType must be a non-empty string"),
    "timestamp": ("invalid_timestamp", "timestamp must be an ISO-8601 string"),
    "sessionId": ("invalid_session_id", "sessionId must be a non-empty string"),
}
_FIELD_IN_MESSAGE = re.compile(r"`\$\.([A-Za-z_]+)|required field `([A-Za-z_]+)`")


@dataclass(frozen=True)
class ParsedBody:
    """The raw events of a request body, its ``sentAt`` and ``writeKey`` (None when absent)."""

    events: list[RawEvent]
    sent_at: str | None = None
    write_key: str | None = None


@dataclass(frozen=True)
class Rejection:
    """Why one event was rejected: a metric-label ``reason`` and a human ``message``."""

    reason: str
    message: str


@dataclass
class Records:
    """Kafka ``(key, value)`` pairs of the accepted events and the per-event rejections."""

    accepted: list[tuple[bytes, bytes]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)


def _require_utf8(body: bytes) -> None:
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("malformed JSON: body is not valid UTF-8") from None


def parse_body(body: bytes, single_event: bool) -> ParsedBody:
    """Parse a batch body (``{"batch": [...], "sentAt", "writeKey"}`` or a bare array) or, with
    ``single_event``, one event object (whose ``writeKey`` member is taken out). Raises
    :class:`BadRequest` for malformed JSON or a body of the wrong shape."""
    _require_utf8(body)
    if single_event:
        return _parse_single(body)
    try:
        doc = _BODY.decode(body)
    except msgspec.ValidationError as exc:
        raise BadRequest(f'body must be {{"batch": [event, ...]}} or an array of events ({exc})') from None
    except (msgspec.DecodeError, RecursionError) as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if isinstance(doc, list):
        return ParsedBody(list(doc))
    sent_at = doc.sentAt if doc.sentAt is not None and len(doc.sentAt) <= _MAX_TIMESTAMP_CHARS else None
    return ParsedBody(list(doc.batch), sent_at, doc.writeKey)


def _parse_single(body: bytes) -> ParsedBody:
    try:
        key = _SINGLE.decode(body).writeKey
    except msgspec.ValidationError:
        raise BadRequest("body must be one event object") from None
    except (msgspec.DecodeError, RecursionError) as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if key is _UNSET:
        return ParsedBody([body.strip()])
    # The key must not travel to Kafka: re-serialize this (single) event without it.
    try:
        doc = orjson.loads(body)
        del doc["writeKey"]
        event = orjson.dumps(doc)
    except (orjson.JSONDecodeError, TypeError):  # e.g. nested deeper than orjson writes
        raise BadRequest("malformed JSON: the event cannot be re-serialized") from None
    return ParsedBody([event], None, key if isinstance(key, str) else None)


def _is_object(raw: msgspec.Raw) -> bool:
    """A JSON object or null (msgspec keeps no whitespace around a raw value)."""
    return raw is _RAW_NULL or raw == _RAW_NULL or memoryview(raw)[0] == 0x7B  # 0x7B: "{"


def _decode_problem(exc: msgspec.MsgspecError) -> Rejection:
    message = str(exc)
    if isinstance(exc, msgspec.ValidationError):
        found = _FIELD_IN_MESSAGE.search(message)
        if found is None:
            return Rejection("not_an_object", "event must be a JSON object")
        name = found.group(1) or found.group(2)
        if name in _FIELD_PROBLEMS:
            return Rejection(*_FIELD_PROBLEMS[name])
        return Rejection("invalid_field", message)
    return Rejection("invalid_json", f"malformed event: {message}")


def check_event(raw: RawEvent) -> Rejection | None:
    """The envelope problem of the JSON event ``raw``, or None when its envelope is valid."""
    return _check(raw)[1]


_TOO_DEEP = Rejection("invalid_json", "event is nested too deeply")
_BAD_EVENT_ID = Rejection(*_FIELD_PROBLEMS["eventId"])
_BAD_TIMESTAMP = Rejection(*_FIELD_PROBLEMS["timestamp"])
_MISSING_USER = Rejection("missing_user", "userId or anonymousId is required")


def _check(raw: RawEvent) -> tuple[_Envelope | None, Rejection | None]:
    """The decoded envelope of ``raw``, or the first problem of it (the per-event hot path)."""
    try:
        envelope = _ENVELOPE.decode(raw)
    except msgspec.MsgspecError as exc:
        return None, _decode_problem(exc)
    except RecursionError:
        return None, _TOO_DEEP
    if _UUID.fullmatch(envelope.eventId) is None:
        return None, _BAD_EVENT_ID
    try:
        datetime.fromisoformat(envelope.timestamp)
    except ValueError:
        return None, _BAD_TIMESTAMP
    if envelope.userId is None and envelope.anonymousId is None:
        return None, _MISSING_USER
    if not (_is_object(envelope.eventData) and _is_object(envelope.context)
            and _is_object(envelope.consent)):
        name = next(name for name in ("eventData", "context", "consent")
                    if not _is_object(getattr(envelope, name)))
        return None, Rejection("invalid_field", f"{name} must be an object")
    return envelope, None


def received_at(now: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (the bridge clock)."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stamp_suffix(received: str, tenant_id: str, client_ip: str | None, user_agent: str | None,
                 sent_at: str | None) -> bytes:
    """The stamps as JSON members plus the closing brace: ``,"receivedAt":...}`` (once per request)."""
    stamps: dict[str, Any] = {
        "receivedAt": received, "tenantId": tenant_id, "clientIp": client_ip, "userAgent": user_agent,
    }
    if sent_at is not None:
        stamps["sentAt"] = sent_at
    return b"," + orjson.dumps(stamps)[1:]


def _event_id(raw: RawEvent) -> str | None:
    try:
        value = _EVENT_ID.decode(raw).eventId
    except (msgspec.MsgspecError, RecursionError):
        return None
    return value[:64] if isinstance(value, str) else None


def _carries_stamps(envelope: _Envelope) -> bool:
    return not (envelope.receivedAt is _UNSET and envelope.tenantId is _UNSET
                and envelope.clientIp is _UNSET and envelope.userAgent is _UNSET
                and envelope.sentAt is _UNSET)


def _without_stamps(data: bytes) -> bytes | None:
    try:
        event = orjson.loads(data)
        for name in STAMP_KEYS:
            event.pop(name, None)
        return orjson.dumps(event)
    except (orjson.JSONDecodeError, TypeError):  # e.g. nested deeper than orjson writes
        return None


def build_records(events: list[RawEvent], tenant_id: str, suffix: bytes, max_event_bytes: int) -> Records:
    """Check every raw event; the valid ones become ``(tenant:sessionId, event + stamps)``."""
    out = Records()
    accepted = out.accepted
    key_prefix = tenant_id + ":"
    for index, raw in enumerate(events):
        if len(raw) > max_event_bytes:
            problem: Rejection | None = Rejection("too_large", f"event exceeds {max_event_bytes} bytes")
        else:
            envelope, problem = _check(raw)
            if envelope is not None:
                data = bytes(raw)
                if _carries_stamps(envelope):
                    cleaned = _without_stamps(data)
                    if cleaned is None:
                        problem = Rejection("invalid_json", "event is not valid JSON")
                    data = cleaned or b"{}"
                if problem is None:
                    accepted.append(((key_prefix + envelope.sessionId).encode(), data[:-1] + suffix))
                    continue
        assert problem is not None
        out.rejected.append({"index": index, "eventId": _event_id(raw), "error": problem.message})
        out.reasons[problem.reason] = out.reasons.get(problem.reason, 0) + 1
    return out
