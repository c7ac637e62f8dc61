"""V1Codec: canonical events survive the wire format; bad payloads raise SchemaError."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from interlog.settings import load_settings
from schemas.catalog import CATALOG
from schemas.codec import HEADER_BYTES, V1Codec
from schemas.exceptions import SchemaError
from schemas.registry import default_registry

NOW = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)
CANONICAL_KEYS = [
    "eventId", "tenantId", "eventType", "eventCategory", "timestamp", "clientTimestamp", "receivedAt",
    "sessionId", "userId", "anonymousId", "path", "component", "action", "perfumeId", "houseId", "noteId",
    "duration", "value", "eventData", "deviceType", "browser", "os", "userAgent", "referrer", "locale",
    "timezone", "appVersion", "platform", "clientIpPrefix", "consentAnalytics", "consentPersonalization",
    "schemaVersion",
]


def _required_data(event_type: str) -> dict[str, Any]:
    """An eventData with every required field of the type's latest schema filled in."""
    schema = default_registry().event_data_schema(CATALOG[event_type].subject)
    data: dict[str, Any] = {}
    for field in schema["fields"]:
        if not field.get("interlog.required"):
            continue
        branch = field["type"][1]
        data[field["name"]] = {"string": "x", "long": 3, "double": 2.5, "boolean": True}[branch]
    return data


def canonical(event_type: str = "PAGE_VIEW", **overrides: Any) -> dict[str, Any]:
    codec = V1Codec.from_file()
    event: dict[str, Any] = dict.fromkeys(CANONICAL_KEYS)
    event.update(
        eventId=str(uuid.uuid4()), tenantId="tenant-a", eventType=event_type,
        eventCategory=CATALOG[event_type].category, timestamp=NOW,
        clientTimestamp=NOW - dt.timedelta(seconds=3), receivedAt=NOW + dt.timedelta(seconds=1),
        sessionId="s-1", userId="u-1", eventData=_required_data(event_type),
        consentAnalytics=True, consentPersonalization=False,
        schemaVersion=codec.latest_version(event_type),
    )
    event.update(overrides)
    return event


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_every_event_type_round_trips(event_type: str) -> None:
    codec = V1Codec.from_file()
    event = canonical(event_type, path="/perfumes/42", duration=1200, value=4.5, deviceType="mobile")
    data = codec.encode(event)
    assert data[0] == 0
    decoded = codec.decode(data)
    assert list(decoded) == CANONICAL_KEYS
    assert decoded == event
    assert decoded["timestamp"].tzinfo is not None


def test_nested_json_and_unknown_fields_round_trip() -> None:
    codec = V1Codec.from_file()
    event_data = {
        "query": "oud vanilla", "queryWords": ["oud", "vanilla"],
        "filters": {"houses": ["h1"], "priceRange": {"min": 10.0, "max": 99.5}},
        "resultsCount": 12, "vendorSpecific": {"a": [1, 2.5, None, "x"], "b": True},
    }
    event = canonical("SEARCH_PERFORMED", eventData=event_data)
    assert codec.decode(codec.encode(event))["eventData"] == event_data


def test_json_typed_fields_keep_arbitrary_json() -> None:
    codec = V1Codec.from_file()
    event_data = {"fromState": "idle", "toState": "loading", "context": {"retries": 2, "ids": ["a"]}}
    event = canonical("STATE_TRANSITION", eventData=event_data)
    assert codec.decode(codec.encode(event))["eventData"] == event_data


def test_schema_id_in_header_is_the_registry_id_of_the_version() -> None:
    codec = V1Codec.from_file()
    registry = default_registry()
    for version in (1, 2):
        data = codec.encode(canonical("PAGE_VIEW", schemaVersion=version))
        schema_id = int.from_bytes(data[1:HEADER_BYTES], "big")
        assert registry.by_id[schema_id].subject == "page_view"
        assert registry.by_id[schema_id].version == version


def test_old_version_is_read_with_the_latest_schema() -> None:
    codec = V1Codec.from_file()
    event = canonical("PAGE_VIEW", schemaVersion=1, eventData={"title": "Home", "viewDuration": 5})
    decoded = codec.decode(codec.encode(event))
    assert decoded["eventData"] == {"title": "Home", "viewDuration": 5}
    assert decoded["schemaVersion"] == 1


def test_from_settings_without_registry_url_uses_the_file() -> None:
    codec = V1Codec.from_settings(load_settings({}))
    event = canonical("RATING_COMPLETED", eventData={"ratings": {"overall": 4.0}})
    assert V1Codec.from_file().decode(codec.encode(event)) == event


@pytest.mark.parametrize("payload", [
    b"", b"\x00\x00\x00", b"\x01\x00\x00\x00\x01abc", b"\x00\x00\x00\xff\xffabc",
    b"\x00\x00\x00\x00\x01", b"\x00\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
])
def test_bad_payloads_raise_schema_error(payload: bytes) -> None:
    with pytest.raises(SchemaError):
        V1Codec.from_file().decode(payload)


def test_truncated_and_padded_bodies_raise_schema_error() -> None:
    codec = V1Codec.from_file()
    data = codec.encode(canonical("PAGE_VIEW"))
    with pytest.raises(SchemaError):
        codec.decode(data[:-3])
    with pytest.raises(SchemaError):
        codec.decode(data + b"\x00")


def test_encode_rejects_what_the_schema_cannot_hold() -> None:
    codec = V1Codec.from_file()
    with pytest.raises(SchemaError):
        codec.encode(canonical("PAGE_VIEW", eventType="NOT_A_TYPE"))
    with pytest.raises(SchemaError):
        codec.encode(canonical("PAGE_VIEW", schemaVersion=99))
    with pytest.raises(SchemaError):
        codec.encode(canonical("PAGE_VIEW", sessionId=None))
    with pytest.raises(SchemaError):
        codec.encode(canonical("PAGE_VIEW", eventData={"viewDuration": "long"}))


class FakeRegistryClient:
    """Stands in for confluent-kafka's SchemaRegistryClient (ids unrelated to the file's)."""

    def __init__(self) -> None:
        self.by_subject: dict[str, tuple[int, str]] = {}
        self.by_id: dict[int, str] = {}

    def register_schema(self, subject_name: str, schema: Any) -> int:
        if subject_name not in self.by_subject:
            schema_id = 1000 + len(self.by_id)
            self.by_subject[subject_name] = (schema_id, schema.schema_str)
            self.by_id[schema_id] = schema.schema_str
        return self.by_subject[subject_name][0]

    def get_schema(self, schema_id: int) -> Any:
        from types import SimpleNamespace

        if schema_id not in self.by_id:
            raise KeyError(schema_id)
        return SimpleNamespace(schema_str=self.by_id[schema_id])


def test_schema_registry_url_takes_ids_from_the_registry() -> None:
    settings = load_settings({"INTERLOG_SCHEMA_REGISTRY_URL": "http://registry.invalid:8081"})
    writer = V1Codec.from_settings(settings)
    fake = FakeRegistryClient()
    writer._ids._client = fake  # type: ignore[attr-defined]
    event = canonical("REVIEW_SUBMITTED", eventData={"reviewText": "nice", "rating": 4.0})
    data = writer.encode(event)
    assert int.from_bytes(data[1:HEADER_BYTES], "big") == fake.by_subject[
        "interlog.events.v1-review"][0]
    reader = V1Codec.from_settings(settings)
    reader._ids._client = fake  # type: ignore[attr-defined]
    assert reader.decode(data) == event
    with pytest.raises(SchemaError):
        reader.decode(b"\x00\x00\x00\x99\x99" + data[HEADER_BYTES:])


def _tmp_registry(tmp_path: Any, v2_fields: list[dict[str, Any]]) -> Any:
    """A registry whose page_view subject has a v1 (title, legacy) and a v2 with ``v2_fields``."""
    import json

    from schemas.registry import AVRO_DIR, SchemaFileRegistry

    (tmp_path / "envelope.v1.avsc").write_text((AVRO_DIR / "envelope.v1.avsc").read_text())
    nullable = [{"name": n, "type": ["null", "string"], "default": None} for n in ("title", "legacy")]
    for version, fields in ((1, nullable), (2, v2_fields)):
        record = {"type": "record", "name": "PageView", "namespace": "interlog.data", "fields": fields}
        (tmp_path / f"page_view.v{version}.avsc").write_text(json.dumps(record))
    entries = [{"id": v, "subject": "page_view", "version": v, "envelope": "envelope.v1.avsc",
                "eventData": f"page_view.v{v}.avsc"} for v in (1, 2)]
    (tmp_path / "registry.json").write_text(json.dumps({"schemas": entries}))
    return SchemaFileRegistry(tmp_path / "registry.json", tmp_path)


@pytest.mark.parametrize("fast", [True, False])
def test_resolution_drops_removed_fields_and_leaves_out_added_ones(tmp_path: Any, fast: bool) -> None:
    added = {"name": "pageType", "type": ["null", "string"], "default": None}
    if not fast:  # a non-null default forces fastavro's resolution path
        added = {"name": "pageType", "type": "string", "default": "other"}
    registry = _tmp_registry(tmp_path, [{"name": "title", "type": ["null", "string"], "default": None},
                                         added])
    codec = V1Codec.from_file(registry)
    event = canonical("PAGE_VIEW", schemaVersion=1, eventData={"title": "Home", "legacy": "x"})
    decoded = codec.decode(codec.encode(event))
    expected = {"title": "Home"} if fast else {"title": "Home", "pageType": "other"}
    assert decoded["eventData"] == expected
    assert {k: v for k, v in decoded.items() if k != "eventData"} == {
        k: v for k, v in event.items() if k != "eventData"}


def test_encode_needs_every_canonical_key() -> None:
    event = canonical("PAGE_VIEW")
    del event["referrer"]
    with pytest.raises(SchemaError):
        V1Codec.from_file().encode(event)


def test_encode_leaves_the_event_as_it_was() -> None:
    codec = V1Codec.from_file()
    event = canonical("PAGE_VIEW", eventData={"viewDuration": 3, "someUnknownField": {"a": 1}})
    before = {**event, "eventData": dict(event["eventData"])}
    codec.encode(event)
    assert event == before
    bad = canonical("PAGE_VIEW", eventData={"viewDuration": "long"})
    data = bad["eventData"]
    with pytest.raises(SchemaError):
        codec.encode(bad)
    assert bad["eventData"] is data
