"""The compiled Avro writer and reader match fastavro byte for byte and value for value."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import fastavro
import pytest
from fastavro.utils import generate_many
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.avro_writer import SMALL, compile_writer, zigzag
from schemas.registry import default_registry

REGISTRY = default_registry()


@pytest.mark.parametrize("schema_id", [e.schema_id for e in REGISTRY.entries])
def test_registered_schemas_encode_like_fastavro(schema_id: int) -> None:
    schema = REGISTRY.schema(schema_id)
    parsed = fastavro.parse_schema(schema)
    encode = compile_writer(schema)
    for datum in generate_many(parsed, 40):
        expected = io.BytesIO()
        fastavro.schemaless_writer(expected, parsed, datum)
        assert encode(datum) == expected.getvalue()


OTHER = {
    "type": "record", "name": "Other", "namespace": "t", "fields": [
        {"name": "i", "type": "int"}, {"name": "f", "type": "float"}, {"name": "b", "type": "bytes"},
        {"name": "m", "type": {"type": "map", "values": ["null", "long"]}},
        {"name": "a", "type": {"type": "array", "items": {"type": "record", "name": "Item",
                                                          "fields": [{"name": "x", "type": "double"}]}}},
        {"name": "again", "type": ["null", "Item"]},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    ],
}


def test_maps_arrays_named_references_and_timestamps() -> None:
    datum: dict[str, Any] = {
        "i": -7, "f": 1.5, "b": b"\x00\x01", "m": {"k": 5, "n": None}, "a": [{"x": 1.25}, {"x": -2.0}],
        "again": {"x": 3.5}, "ts": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
    }
    parsed = fastavro.parse_schema(OTHER)
    expected = io.BytesIO()
    fastavro.schemaless_writer(expected, parsed, datum)
    assert compile_writer(OTHER)(datum) == expected.getvalue()
    read = fastavro.schemaless_reader(io.BytesIO(expected.getvalue()), parsed)
    assert read == datum


@pytest.mark.parametrize("n", [0, 1, -1, 63, 64, -65, 8191, 8192, 2**31, -(2**63), 2**63 - 1])
def test_zigzag_matches_the_spec(n: int) -> None:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, "long", n)
    assert zigzag(n) == buffer.getvalue()
    if 0 <= n < len(SMALL):
        assert SMALL[n] == buffer.getvalue()


@pytest.mark.parametrize(("field", "value"), [
    ("i", "7"), ("i", 2**70), ("f", "x"), ("f", True), ("ts", dt.date(2026, 1, 1)), ("m", {"k": "v"}),
])
def test_wrong_types_raise(field: str, value: Any) -> None:
    datum: dict[str, Any] = {"i": 1, "f": 1.0, "b": b"", "m": {}, "a": [], "again": None, "ts": 0}
    datum[field] = value
    with pytest.raises((TypeError, ValueError, AttributeError)):
        compile_writer(OTHER)(datum)


@pytest.mark.parametrize("moment", [
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2300, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(1975, 6, 1, tzinfo=dt.UTC), dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
])
def test_timestamp_fast_path_matches_fastavro(moment: dt.datetime) -> None:
    from schemas.avro_writer import timestamp_micros

    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, {"type": "long", "logicalType": "timestamp-micros"}, moment)
    assert timestamp_micros(moment) == buffer.getvalue()


@pytest.mark.parametrize("schema_id", [e.schema_id for e in REGISTRY.entries])
def test_compiled_reader_reads_like_fastavro(schema_id: int) -> None:
    from schemas.avro_reader import compile_reader

    schema = REGISTRY.schema(schema_id)
    parsed = fastavro.parse_schema(schema)
    read = compile_reader(schema)
    for datum in generate_many(parsed, 40):
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, parsed, datum)
        data = buffer.getvalue()
        assert read(data, 0) == (fastavro.schemaless_reader(io.BytesIO(data), parsed), len(data))


def test_compiled_reader_handles_maps_arrays_and_named_references() -> None:
    from schemas.avro_reader import compile_reader

    datum: dict[str, Any] = {
        "i": -7, "f": 1.5, "b": b"\x00\x01", "m": {"k": 5, "n": None}, "a": [{"x": 1.25}, {"x": -2.0}],
        "again": {"x": 3.5}, "ts": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
    }
    data = compile_writer(OTHER)(datum)
    assert compile_reader(OTHER)(data, 0) == (datum, len(data))
    with pytest.raises((IndexError, ValueError)):
        compile_reader(OTHER)(data[:-4], 0)


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_timestamp_micros_of_any_long_is_its_zigzag(n: int) -> None:
    from schemas.avro_writer import timestamp_micros

    assert timestamp_micros(n) == zigzag(n)


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                    timezones=st.just(dt.UTC)))
def test_timestamp_micros_of_any_datetime_matches_fastavro(moment: dt.datetime) -> None:
    from schemas.avro_writer import timestamp_micros

    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, {"type": "long", "logicalType": "timestamp-micros"}, moment)
    assert timestamp_micros(moment) == buffer.getvalue()


def test_timestamp_micros_cache_stays_bounded_and_correct() -> None:
    from schemas import avro_writer

    base = avro_writer.micros(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    step = 1 << 27  # a new cached high part every step
    for i in range(avro_writer._HIGH_GROUPS_MAX + 10):
        n = base + i * step
        assert avro_writer.timestamp_micros(n) == zigzag(n)
    assert len(avro_writer._HIGH_GROUPS) <= avro_writer._HIGH_GROUPS_MAX
