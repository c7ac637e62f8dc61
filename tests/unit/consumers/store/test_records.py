"""Batch triage: decoded events, DLQ records (stage "store") and offset claims, without Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from consumers.store.records import triage
from consumers.store.rows import COLUMN_NAMES, event_row
from consumers.store.writer import OffsetClaim
from interlog.partitions import month_start
from schemas.exceptions import SchemaError

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FakeRecord:
    def __init__(self, partition: int, offset: int, value: bytes | None) -> None:
        self._p, self._o, self._v = partition, offset, value

    def partition(self) -> int | None:
        return self._p

    def offset(self) -> int | None:
        return self._o

    def value(self) -> bytes | None:
        return self._v

    def key(self) -> bytes | None:
        return b"t:s"


def decode(value: bytes) -> dict[str, Any]:
    if value.startswith(b"bad"):
        raise SchemaError("not Confluent wire format")
    days = int(value)
    return {"eventId": "e", "timestamp": NOW - timedelta(days=days)}


def test_valid_undecodable_and_too_old_records_all_advance_offsets() -> None:
    records = [FakeRecord(0, 10, b"1"), FakeRecord(0, 11, b"bad!"), FakeRecord(1, 5, b"91"),
               FakeRecord(1, 7, b"89"), FakeRecord(0, 12, None)]
    batch = triage(records, decode, {0: 10, 1: None}, NOW, retention_days=90)
    assert [e["timestamp"] for e in batch.events] == [NOW - timedelta(days=1), NOW - timedelta(days=89)]
    reasons = [orjson.loads(v)["reason"] for _, v in batch.dlq]
    assert reasons == ["undecodable", "older_than_retention", "undecodable"]
    assert all(orjson.loads(v)["stage"] == "store" for _, v in batch.dlq)
    assert batch.claims == [OffsetClaim(0, 10, 13), OffsetClaim(1, None, 8)]


def test_far_future_events_are_refused() -> None:
    batch = triage([FakeRecord(0, 0, b"-2")], decode, {0: None}, NOW, retention_days=90)
    assert batch.events == []
    assert orjson.loads(batch.dlq[0][1])["reason"] == "too_far_in_future"


def test_dlq_record_shape() -> None:
    batch = triage([FakeRecord(2, 3, b"bad")], decode, {}, NOW, retention_days=90)
    record = orjson.loads(batch.dlq[0][1])
    assert set(record) == {"stage", "reason", "errors", "receivedAt", "payload"}
    assert record["receivedAt"] == "2026-11-22T12:00:00.000Z"
    assert record["errors"][0]["message"] == "not Confluent wire format"


def test_event_row_follows_the_column_order() -> None:
    event = {"tenantId": "t", "eventId": "ABC", "timestamp": NOW, "eventData": {"a": 1},
             "duration": 5, "value": 2, "schemaVersion": 1}
    row = dict(zip(COLUMN_NAMES, event_row(event), strict=True))
    assert (row["tenant_id"], row["event_id"], row["timestamp"]) == ("t", "abc", NOW)
    assert row["event_data"] == '{"a":1}' and row["value"] == 2.0 and row["user_id"] is None


def test_month_start_is_utc() -> None:
    local = datetime(2026, 12, 1, 0, 30, tzinfo=UTC).astimezone(
        datetime.now(UTC).astimezone().tzinfo)
    assert month_start(local) == datetime(2026, 12, 1, tzinfo=UTC)
