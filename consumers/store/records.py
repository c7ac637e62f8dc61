"""Kafka records of a store batch -> events to store, DLQ records and offset claims (pure).

A record that cannot be decoded, or whose event is older than the retention window (validate
already sends those to the DLQ; the store refuses them defensively, since no partition may take
them), becomes a DLQ record with stage ``"store"``; its offset still advances with the batch.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson

from consumers.store.writer import OffsetClaim
from schemas.exceptions import SchemaError

MAX_DLQ_PAYLOAD_BYTES = 4096
#: Events further ahead than this are refused (validate refuses > 24 h already); no partition
#: should be created for a far future month because of one bad clock.
MAX_FUTURE = timedelta(hours=25)


class KafkaRecord(Protocol):
    """What the store reads from a ``confluent_kafka.Message``."""

    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def value(self) -> bytes | None: ...
    def key(self) -> bytes | None: ...


@dataclass
class TriagedBatch:
    events: list[dict[str, Any]] = field(default_factory=list)
    dlq: list[tuple[bytes | None, bytes]] = field(default_factory=list)  # (key, JSON value)
    claims: list[OffsetClaim] = field(default_factory=list)


def dlq_record(reason: str, message: str, payload: Any, now: datetime) -> bytes:
    """A DLQ value (interfaces.md): ``{stage, reason, errors, receivedAt, payload}``."""
    return orjson.dumps({
        "stage": "store",
        "reason": reason,
        "errors": [{"path": "", "message": message}],
        "receivedAt": now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "payload": payload,
    }, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _raw_payload(value: bytes | None) -> str:
    """Undecodable v1 bytes for the DLQ: base64 of at most MAX_DLQ_PAYLOAD_BYTES (v1 is PII-free)."""
    return base64.b64encode((value or b"")[:MAX_DLQ_PAYLOAD_BYTES]).decode()


def triage(
    records: Sequence[KafkaRecord],
    decode: Callable[[bytes], dict[str, Any]],
    expected: Mapping[int, int | None],
    now: datetime,
    retention_days: int,
) -> TriagedBatch:
    """Split ``records`` (in consumption order) and compute each partition's offset claim.

    ``expected`` maps each owned partition to its stored next offset (None: no row yet).
    """
    out = TriagedBatch()
    last: dict[int, int] = {}
    oldest = now - timedelta(days=retention_days)
    newest = now + MAX_FUTURE
    for record in records:
        partition, offset = record.partition(), record.offset()
        if partition is None or offset is None:
            continue
        last[partition] = offset
        value = record.value()
        try:
            if value is None:
                raise SchemaError("empty record value")
            event = decode(value)
        except SchemaError as exc:
            out.dlq.append((record.key(), dlq_record("undecodable", str(exc), _raw_payload(value), now)))
            continue
        timestamp: datetime = event["timestamp"]
        if timestamp < oldest:
            out.dlq.append((record.key(), dlq_record(
                "older_than_retention", f"timestamp older than {retention_days} days", event, now)))
        elif timestamp > newest:
            out.dlq.append((record.key(), dlq_record(
                "too_far_in_future", "timestamp more than 25 hours ahead", event, now)))
        else:
            out.events.append(event)
    out.claims = [OffsetClaim(p, expected.get(p), o + 1) for p, o in sorted(last.items())]
    return out
