"""Preparing a batch: repeats inside the batch dropped (first occurrence wins), deltas of the rest,
and the binary dumpers of the direct COPY."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
import pytest

from benchmarks.stored_events import sample_events
from consumers.store import sql
from consumers.store.prepare import aggregate_params, prepare_events
from consumers.store.rows import COLUMN_NAMES, JsonbTextBinaryDumper, UuidTextBinaryDumper
from consumers.store.writer import FastPathGate

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def events(count: int, tenant: str = "t") -> list[dict[str, Any]]:
    return list(sample_events(count, tenant, NOW - timedelta(days=3), timedelta(days=2), seed=5))


def test_repeats_inside_a_batch_keep_the_first_occurrence() -> None:
    batch = events(30)
    retry = dict(batch[3], timestamp=batch[3]["timestamp"] + timedelta(milliseconds=7),
                 eventId=batch[3]["eventId"].upper())  # a client retry: moved, other spelling
    prepared = prepare_events([*batch[:10], retry, batch[3], *batch[10:]])
    assert prepared.received == 32
    assert prepared.events == batch
    assert [row[COLUMN_NAMES.index("event_id")] for row in prepared.rows] == [
        e["eventId"].lower() for e in batch]
    assert prepared.aggregates == aggregate_params(batch)


def test_the_same_event_id_of_another_tenant_is_another_event() -> None:
    first = events(1, "t1")[0]
    other = dict(first, tenantId="t2")
    assert prepare_events([first, other]).events == [first, other]


def test_aggregate_params_are_sorted_json_rows_in_the_sql_column_order() -> None:
    batch = events(400)
    params = aggregate_params(batch)
    sessions = orjson.loads(params.sessions)
    viewers = [tuple(v) for v in orjson.loads(params.viewers)]
    items = orjson.loads(params.items)
    assert all(len(r) == len(sql.SESSION_DELTA_COLUMNS) for r in sessions)
    assert all(len(r) == len(sql.ITEM_ROW_COLUMNS) for r in items)
    session_keys = [tuple(r[:2]) for r in sessions]
    item_keys = [tuple(r[:3]) for r in items]
    assert session_keys == sorted(session_keys) and len(set(session_keys)) == len(session_keys)
    assert viewers == sorted(viewers) and item_keys == sorted(item_keys)
    assert {v[:3] for v in viewers} <= set(item_keys)  # every viewer belongs to an item of the batch
    event_count = [c for c, _ in sql.SESSION_DELTA_COLUMNS].index("event_count")
    assert sum(r[event_count] for r in sessions) == len(batch)
    assert params.session_rows == len(sessions)
    assert not params.empty and aggregate_params([]).empty


def test_json_rows_keep_exact_decimals_and_offset_timestamps() -> None:
    rating = dict(events(1)[0], eventType="RATING_COMPLETED", eventCategory="RATING",
                  perfumeId="p-1", value=0.1 + 0.2)
    items = orjson.loads(aggregate_params([rating]).items)
    names = [c for c, _ in sql.ITEM_ROW_COLUMNS]
    assert items[0][names.index("rating_sum")] == "0.3"  # float8::numeric of 0.30000000000000004
    assert datetime.fromisoformat(items[0][names.index("first_seen_at")]) == rating["timestamp"]


def test_uuid_dumper_takes_any_text_spelling() -> None:
    value = uuid.uuid4()
    dumper = UuidTextBinaryDumper(str)
    for text in (str(value), str(value).upper(), value.hex, "{" + str(value) + "}", value.urn):
        assert dumper.dump(text) == value.bytes
    with pytest.raises(psycopg.DataError):  # handled by the stage as a failed batch, like the server's
        dumper.dump("not-a-uuid")


def test_jsonb_dumper_prefixes_the_binary_version() -> None:
    assert JsonbTextBinaryDumper(str).dump('{"a":1}') == b'\x01{"a":1}'
    assert JsonbTextBinaryDumper(str).dump(b"[]") == b"\x01[]"


def test_the_gate_backs_off_after_conflicts_and_resets_after_a_copy() -> None:
    gate = FastPathGate(max_skip=4)
    tries = []
    for ok in (False, False, False, False, True):
        while not gate.try_copy():
            tries.append("skip")
        tries.append("copy")
        gate.copied(ok)
    assert tries == ["copy", "skip", "copy", "skip", "skip", "copy", *["skip"] * 4, "copy",
                     *["skip"] * 4, "copy"]
    assert gate.try_copy()  # the successful copy reset the penalty
