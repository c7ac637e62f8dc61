"""Envelope checks, body shapes and stamping (pure)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.bridge.envelope import build_records, check_event, parse_body, received_at, stamp_suffix
from producers.bridge.exceptions import BadRequest


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"eventId": str(uuid.uuid4()), "eventType": "PAGE_VIEW",
                            "timestamp": "2026-11-22T01:00:00Z", "sessionId": "s1", "anonymousId": "a1"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def raw(value: Any) -> bytes:
    return orjson.dumps(value)


def test_a_minimal_event_is_valid() -> None:
    assert check_event(raw(event())) is None
    assert check_event(raw(event(anonymousId=..., userId="u1", eventData=None, duration=12))) is None
    assert check_event(b' {"eventId": "%s", "eventType": "X", "timestamp": "2026-11-22T01:00:00+01:00",'
                       b' "sessionId": "s", "userId": "u", "eventData": {"a": [1, {}]}} ' % uuid.uuid4().hex
                       .encode()) is not None  # hex without dashes is not the canonical UUID text


@pytest.mark.parametrize(("bad", "reason"), [
    (event(eventId=...), "invalid_event_id"),
    (event(eventId="123"), "invalid_event_id"),
    (event(eventId="zzzzzzzz-3c1e-4e55-9a8e-111111111111"), "invalid_event_id"),
    (event(eventId="6f1c1f0e-3c1e-4e55-9a8e-1111111111111"), "invalid_event_id"),
    (event(eventId="6f1c1f0e+3c1e-4e55-9a8e-111111111111"), "invalid_event_id"),
    (event(eventId=7), "invalid_event_id"),
    (event(eventType=""), "invalid_event_type"),
    (event(eventType=["PAGE_VIEW"]), "invalid_event_type"),
    (event(timestamp="2026-13-01T00:00:00Z"), "invalid_timestamp"),
    (event(timestamp=1732237200), "invalid_timestamp"),
    (event(sessionId=...), "invalid_session_id"),
    (event(sessionId=""), "invalid_session_id"),
    (event(anonymousId=...), "missing_user"),
    (event(userId=5), "invalid_field"),
    (event(path=3), "invalid_field"),
    (event(duration="5"), "invalid_field"),
    (event(value=True), "invalid_field"),
    (event(eventData=[1]), "invalid_field"),
    (event(consent="yes"), "invalid_field"),
    ([1, 2], "not_an_object"),
])
def test_envelope_problems_have_a_reason(bad: Any, reason: str) -> None:
    problem = check_event(raw(bad))
    assert problem is not None and problem.reason == reason


def test_body_shapes() -> None:
    one = event()
    body = {"batch": [one], "sentAt": "2026-11-22T01:00:01Z", "writeKey": "k"}
    parsed = parse_body(orjson.dumps(body), False)
    assert [orjson.loads(bytes(e)) for e in parsed.events] == [one]
    assert parsed.sent_at == "2026-11-22T01:00:01Z" and parsed.write_key == "k"
    assert [orjson.loads(bytes(e)) for e in parse_body(orjson.dumps([one]), False).events] == [one]
    single = parse_body(orjson.dumps({**one, "writeKey": "k"}), True)
    assert [orjson.loads(bytes(e)) for e in single.events] == [one] and single.write_key == "k"
    deep = b"[" * 5000 + b"]" * 5000
    for bad in (b"{", b'{"batch": 1}', b"3", b"\xff", b'[{"a": NaN}]', b'["\xc3\x28"]', deep):
        with pytest.raises(BadRequest):
            parse_body(bad, False)
    for bad in (b"[]", b"{", b'{"writeKey": "k", "a":' + b"[" * 600 + b"]" * 600 + b"}"):
        with pytest.raises(BadRequest):
            parse_body(bad, True)
    nested = b' {"a":' + b"[" * 600 + b"]" * 600 + b"}\n"
    assert parse_body(nested, True).events == [nested.strip()]


def test_records_carry_stamps_and_overwrite_client_values() -> None:
    suffix = stamp_suffix("2026-11-22T01:00:00.123Z", "acme", "10.0.0.1", None, "2026-11-22T01:00:00Z")
    good = event(tenantId="forged", clientIp="1.2.3.4")
    records = build_records([raw(good), raw({"x": 1})], "acme", suffix, 32 * 1024)
    assert len(records.accepted) == 1
    key, value = records.accepted[0]
    assert key == b"acme:s1"
    decoded = orjson.loads(value)
    assert decoded["tenantId"] == "acme" and decoded["clientIp"] == "10.0.0.1"
    assert decoded["userAgent"] is None and decoded["sentAt"] == "2026-11-22T01:00:00Z"
    assert decoded["eventId"] == good["eventId"]
    assert records.rejected == [{"index": 1, "eventId": None, "error": "eventId must be a UUID string"}]
    assert records.reasons == {"invalid_event_id": 1}


def test_deeply_nested_event_carrying_a_stamp_is_rejected_not_raised() -> None:
    deep = event(tenantId="forged", eventData={"a": json.loads("[" * 600 + "]" * 600)})
    records = build_records([json.dumps(deep).encode()], "t", b"}", 32 * 1024)
    assert records.reasons == {"invalid_json": 1}


def test_per_event_size_limit() -> None:
    records = build_records([raw(event(eventData={"x": "y" * 200}))], "t", b"}", 100)
    assert not records.accepted and records.reasons == {"too_large": 1}


def test_received_at_format() -> None:
    assert received_at(datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)) == "2026-01-02T03:04:05.006Z"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def test_events_keep_their_bytes_and_unknown_members() -> None:
    text = b'{"eventId":"%s","eventType":"X","timestamp":"2026-11-22T01:00:00Z","sessionId":"s",' \
        b'"anonymousId":"a","custom":{"deep":[1,2.5e3,"\\u00e9"]}}' % str(uuid.uuid4()).encode()
    records = build_records([text], "t", b',"tenantId":"t"}', 32 * 1024)
    assert records.accepted == [(b"t:s", text[:-1] + b',"tenantId":"t"}')]


@given(st.lists(json_values | st.builds(event), max_size=10))
def test_build_records_never_raises_and_accounts_for_every_event(values: list[Any]) -> None:
    events = [json.dumps(v).encode() for v in values]  # big integers, Infinity: still bodies
    records = build_records(events, "t", b"}", 32 * 1024)
    assert len(records.accepted) + len(records.rejected) == len(events)
    for _, value in records.accepted:
        assert isinstance(orjson.loads(value), dict)
