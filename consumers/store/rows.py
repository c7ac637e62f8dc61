"""Canonical validated event -> row of ``interlog.user_interaction_event`` (pure, no I/O).

``EVENT_COLUMNS`` fixes the column order of the staging table, the binary COPYs and the INSERT.
A row holds ``event_id`` and ``event_data`` as text; the staging table stores them so (cast to
``uuid`` / ``jsonb`` by the INSERT ... SELECT), and the direct COPY into the event table sends them
with :data:`DIRECT_DUMPERS`, which build the binary ``uuid`` / ``jsonb`` values straight from that
text, so neither path needs a per-row ``UUID`` or ``Jsonb`` object.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
import psycopg
from psycopg import adapt, pq
from psycopg.postgres import types as pg_types


class EventColumn(NamedTuple):
    name: str  # column of user_interaction_event
    key: str  # key of the canonical event dict
    staging_type: str  # type in the staging table and of the binary COPY
    target_expr: str  # expression turning the staging column into the table's type


def _col(name: str, key: str, staging_type: str, cast: str = "") -> EventColumn:
    return EventColumn(name, key, staging_type, f"{name}{cast}" if name != "timestamp" else '"timestamp"')


EVENT_COLUMNS: tuple[EventColumn, ...] = (
    _col("tenant_id", "tenantId", "text"),
    _col("event_id", "eventId", "text", "::uuid"),
    _col("timestamp", "timestamp", "timestamptz"),
    _col("user_id", "userId", "text"),
    _col("anonymous_id", "anonymousId", "text"),
    _col("session_id", "sessionId", "text"),
    _col("event_type", "eventType", "text"),
    _col("event_category", "eventCategory", "text"),
    _col("perfume_id", "perfumeId", "text"),
    _col("house_id", "houseId", "text"),
    _col("note_id", "noteId", "text"),
    _col("event_data", "eventData", "text", "::jsonb"),
    _col("device_type", "deviceType", "text"),
    _col("browser", "browser", "text"),
    _col("os", "os", "text"),
    _col("user_agent", "userAgent", "text"),
    _col("referrer", "referrer", "text"),
    _col("path", "path", "text"),
    _col("component", "component", "text"),
    _col("action", "action", "text"),
    _col("duration", "duration", "int4"),
    _col("value", "value", "float8"),
    _col("locale", "locale", "text"),
    _col("timezone", "timezone", "text"),
    _col("app_version", "appVersion", "text"),
    _col("platform", "platform", "text"),
    _col("client_ip_prefix", "clientIpPrefix", "text"),
    _col("consent_analytics", "consentAnalytics", "bool"),
    _col("consent_personalization", "consentPersonalization", "bool"),
    _col("received_at", "receivedAt", "timestamptz"),
    _col("client_timestamp", "clientTimestamp", "timestamptz"),
    _col("schema_version", "schemaVersion", "int4"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in EVENT_COLUMNS)
STAGING_TYPES: tuple[str, ...] = tuple(c.staging_type for c in EVENT_COLUMNS)
#: Types of the direct binary COPY into the event table (the table's own column types).
TARGET_TYPES: tuple[str, ...] = tuple(
    {"event_id": "uuid", "event_data": "jsonb"}.get(c.name, c.staging_type) for c in EVENT_COLUMNS
)
_KEYS = tuple(c.key for c in EVENT_COLUMNS)
_EVENT_DATA_INDEX = _KEYS.index("eventData")
_EVENT_ID_INDEX = _KEYS.index("eventId")
_DURATION_INDEX = _KEYS.index("duration")
_VALUE_INDEX = _KEYS.index("value")


_ALL_KEYS = itemgetter(*_KEYS)


def event_row(event: Mapping[str, Any]) -> list[Any]:
    """The staging row of ``event`` in ``EVENT_COLUMNS`` order (absent keys give NULL)."""
    try:
        row = list(_ALL_KEYS(event))  # canonical events carry every key: one C-level call
    except KeyError:
        row = [event.get(k) for k in _KEYS]
    row[_EVENT_ID_INDEX] = str(row[_EVENT_ID_INDEX]).lower()
    row[_EVENT_DATA_INDEX] = orjson.dumps(row[_EVENT_DATA_INDEX] or {}).decode()
    duration, value = row[_DURATION_INDEX], row[_VALUE_INDEX]
    if duration is not None:
        row[_DURATION_INDEX] = int(duration)
    if value is not None:
        row[_VALUE_INDEX] = float(value)
    return row


class UuidTextBinaryDumper(adapt.Dumper):
    """Binary ``uuid`` from its text form (what :func:`event_row` holds): 16 raw bytes."""

    format = pq.Format.BINARY
    oid = pg_types["uuid"].oid

    def dump(self, obj: Any) -> bytes:
        text = str(obj)
        try:
            raw = bytes.fromhex(text.replace("-", ""))
        except ValueError:
            raw = b""
        if len(raw) == 16:
            return raw
        try:
            return uuid.UUID(text).bytes  # braces, urn:uuid: ...
        except ValueError:  # a database error, as the server's own uuid input would give
            raise psycopg.DataError(f"invalid input syntax for type uuid: {text!r}") from None


class JsonbTextBinaryDumper(adapt.Dumper):
    """Binary ``jsonb`` from JSON text (what :func:`event_row` holds): version byte 1 + the text;
    the server parses and validates it exactly as it would the text format."""

    format = pq.Format.BINARY
    oid = pg_types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + (obj.encode() if isinstance(obj, str) else bytes(obj))


#: Register these on the cursor doing the direct COPY (``cursor.adapters.register_dumper``); by
#: oid they then serve the ``uuid`` and ``jsonb`` columns of :data:`TARGET_TYPES`.
DIRECT_DUMPERS: tuple[type[adapt.Dumper], ...] = (UuidTextBinaryDumper, JsonbTextBinaryDumper)


def event_key(tenant_id: str, event_id: str, timestamp: datetime) -> tuple[str, str, datetime]:
    """Identity of a stored row: the primary key of ``user_interaction_event``."""
    return (tenant_id, event_id.lower(), timestamp)
