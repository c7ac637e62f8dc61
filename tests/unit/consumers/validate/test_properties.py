"""Properties: whatever the validator accepts fits the Avro schema and survives the codec; whatever
it rejects becomes a JSON dead letter. Random clients, not hand-picked ones."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.validate.core import TenantPolicy, Valid, Validator
from consumers.validate.event_data import FieldRule, rules_of
from schemas.catalog import CATALOG
from schemas.codec import V1Codec
from schemas.registry import default_registry

RECEIVED = "2026-05-10T12:00:00.000Z"
CODEC = V1Codec.from_file()
RULES = {t: rules_of(default_registry().event_data_schema(k.subject)) for t, k in CATALOG.items()}

json_leaf = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(
    allow_nan=False, allow_infinity=False) | st.text(max_size=20)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _typed(rule: FieldRule) -> st.SearchStrategy[Any]:
    """Values of the rule's type (in or out of its range), or anything JSON."""
    if rule.kind == "string":
        typed: st.SearchStrategy[Any] = st.text(max_size=30)
    elif rule.kind in ("long", "int"):
        typed = st.integers(-10, 200)
    elif rule.kind in ("double", "float"):
        typed = st.floats(-10, 200, allow_nan=False)
    elif rule.kind == "boolean":
        typed = st.booleans()
    elif rule.kind == "strings":
        typed = st.lists(st.text(max_size=10), max_size=3)
    elif rule.kind == "record":
        typed = st.fixed_dictionaries({}, optional={n: _typed(r) for n, r in rule.nested.items()})
    else:
        typed = json_value
    return typed | json_value


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.sampled_from(sorted(CATALOG)))
    rules = RULES[event_type]
    data = draw(st.fixed_dictionaries({}, optional={n: _typed(r) for n, r in rules.items()}))
    data.update(draw(st.dictionaries(st.text(max_size=8).filter(lambda k: k not in rules), json_value,
                                     max_size=2)))
    event: dict[str, Any] = {
        "eventId": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))), "eventType": event_type,
        "timestamp": RECEIVED, "sessionId": draw(st.text(min_size=1, max_size=12)),
        "userId": draw(st.text(min_size=1, max_size=12)), "eventData": data,
        "receivedAt": RECEIVED, "tenantId": "tenant-a", "clientIp": "203.0.113.9",
        "consent": {"analytics": draw(st.booleans())},
    }
    for name in ("path", "component", "perfumeId"):
        if draw(st.booleans()):
            event[name] = draw(st.text(max_size=20))
    if draw(st.booleans()):
        event["duration"] = draw(st.integers(0, 10**9))
    if draw(st.booleans()):
        event["value"] = draw(st.floats(allow_nan=False, allow_infinity=False))
    return event


class Tenants:
    def policy(self, tenant_id: str) -> TenantPolicy | None:
        return TenantPolicy(b"s" * 32, True) if tenant_id == "tenant-a" else None


VALIDATOR = Validator(Tenants(), 90)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_events())
def test_accepted_events_round_trip_and_rejected_ones_are_json(event: dict[str, Any]) -> None:
    outcome = VALIDATOR.validate(orjson.dumps(event))
    if isinstance(outcome, Valid):
        canonical = outcome.event
        assert canonical["timestamp"] == dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
        assert CODEC.decode(CODEC.encode(canonical)) == canonical
    else:
        assert outcome.reason == "schema_violation", outcome.record
        assert all(e["path"].startswith("eventData.") for e in outcome.record["errors"])
        orjson.dumps(outcome.record)
