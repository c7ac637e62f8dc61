"""Validator tables: envelope and per-type validation, clock skew, retention, consent, PII, DLQ."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson
import pytest

from consumers.validate.core import DeadLetter, TenantPolicy, Valid, Validator
from schemas.codec import V1Codec

RECEIVED = dt.datetime(2026, 5, 10, 12, 0, 0, tzinfo=dt.UTC)
UA_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")


class Tenants:
    def __init__(self, consent_default: bool = True) -> None:
        self.policies = {
            "tenant-a": TenantPolicy(b"a" * 32, consent_default),
            "tenant-b": TenantPolicy(b"b" * 32, consent_default),
        }

    def policy(self, tenant_id: str) -> TenantPolicy | None:
        return self.policies.get(tenant_id)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def raw(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventId": str(uuid.uuid4()), "eventType": "PAGE_VIEW", "timestamp": _iso(RECEIVED),
        "sessionId": "s-1", "userId": "user-1", "path": "/perfumes/7",
        "eventData": {"title": "Aventus", "viewDuration": 1500},
        "receivedAt": _iso(RECEIVED), "tenantId": "tenant-a", "clientIp": "203.0.113.77",
        "userAgent": UA_IPHONE,
    }
    for key, value in overrides.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return event


def run(event: dict[str, Any] | bytes, consent_default: bool = True,
        retention_days: int = 90) -> Valid | DeadLetter:
    data = event if isinstance(event, bytes) else orjson.dumps(event)
    return Validator(Tenants(consent_default), retention_days).validate(data)


def ok(event: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    outcome = run(event, **kwargs)
    assert isinstance(outcome, Valid), outcome
    V1Codec.from_file().encode(outcome.event)  # every valid outcome fits its schema
    return outcome.event


def dead(event: dict[str, Any] | bytes, reason: str, **kwargs: Any) -> DeadLetter:
    outcome = run(event, **kwargs)
    assert isinstance(outcome, DeadLetter), outcome
    assert outcome.reason == reason, outcome.record
    assert outcome.record["stage"] == "validate"
    orjson.dumps(outcome.record)  # the DLQ record is JSON
    return outcome


def test_valid_event_becomes_canonical() -> None:
    event = ok(raw(duration=1500, value=2, perfumeId=42,
                   context={"locale": "en-US", "timezone": "Europe/Paris", "appVersion": "1.2",
                            "platform": "web", "referrer": "https://www.google.com/"}))
    assert event["eventCategory"] == "VIEW"
    assert event["perfumeId"] == "42"
    assert event["value"] == 2.0 and event["duration"] == 1500
    assert (event["deviceType"], event["browser"], event["os"]) == ("mobile", "Mobile Safari", "iOS")
    assert event["clientIpPrefix"] == "203.0.113.0/24"
    assert event["timestamp"] == event["clientTimestamp"] == RECEIVED
    assert event["consentAnalytics"] is True and event["consentPersonalization"] is True
    assert event["locale"] == "en-US" and event["referrer"] == "https://www.google.com/"
    assert event["eventData"] == {"title": "Aventus", "viewDuration": 1500}
    assert event["schemaVersion"] == V1Codec.from_file().latest_version("PAGE_VIEW")


@pytest.mark.parametrize(("overrides", "reason", "path"), [
    ({"eventType": "NOPE"}, "unknown_event_type", "eventType"),
    ({"eventType": None}, "invalid_envelope", "eventType"),
    ({"eventId": "not-a-uuid"}, "invalid_envelope", "eventId"),
    ({"eventId": None}, "invalid_envelope", "eventId"),
    ({"sessionId": None}, "invalid_envelope", "sessionId"),
    ({"userId": None}, "invalid_envelope", "userId"),
    ({"timestamp": "yesterday"}, "invalid_envelope", "timestamp"),
    ({"timestamp": None}, "invalid_envelope", "timestamp"),
    ({"receivedAt": None}, "invalid_envelope", "receivedAt"),
    ({"tenantId": None}, "invalid_envelope", "tenantId"),
    ({"tenantId": "tenant-zz"}, "unknown_tenant", "tenantId"),
    ({"duration": -5}, "invalid_envelope", "duration"),
    ({"duration": "long"}, "invalid_envelope", "duration"),
    ({"value": "high"}, "invalid_envelope", "value"),
    ({"context": "mobile"}, "invalid_envelope", "context"),
    ({"eventData": [1, 2]}, "invalid_envelope", "eventData"),
    ({"path": 7}, "invalid_envelope", "path"),
    ({"eventData": {"viewDuration": "slow"}}, "schema_violation", "eventData.viewDuration"),
    ({"eventData": {"scrollDepth": 140}}, "schema_violation", "eventData.scrollDepth"),
    ({"eventData": {"viewport": {"width": "wide"}}}, "schema_violation", "eventData.viewport.width"),
    ({"eventType": "RATING_COMPLETED", "eventData": {"ratings": {"overall": 9}}},
     "schema_violation", "eventData.ratings.overall"),
    ({"eventType": "DAILY_SCORES_RECORDED", "eventData": {"date": "2026-05-10", "energy": 50}},
     "schema_violation", "eventData.focus"),
    ({"eventType": "ERROR", "eventData": {"critical": True}}, "schema_violation", "eventData.message"),
    ({"eventType": "SEARCH_PERFORMED", "eventData": {"queryWords": ["a", {"b": 1}]}},
     "schema_violation", "eventData.queryWords[1]"),
    ({"eventType": "GENERATION_COMPLETED", "eventData": {"generationTime": 5, "success": "yes"}},
     "schema_violation", "eventData.success"),
])
def test_invalid_events_go_to_the_dlq_with_reason_and_path(overrides: dict[str, Any], reason: str,
                                                          path: str) -> None:
    letter = dead(raw(**overrides), reason)
    assert path in [e["path"] for e in letter.record["errors"]]


@pytest.mark.parametrize(("payload", "reason"), [
    (b"{not json", "invalid_json"),
    (b"\xff\xfe\x00garbage", "invalid_encoding"),
    (b'{"eventId": "\xc3\x28"}', "invalid_encoding"),
    (b"[1, 2, 3]", "invalid_envelope"),
    (b'"just a string"', "invalid_envelope"),
    (b"", "invalid_json"),
    (b"x" * 1_000_000, "too_large"),
])
def test_poison_input_goes_to_the_dlq(payload: bytes, reason: str) -> None:
    letter = dead(payload, reason)
    assert isinstance(letter.record["payload"], str)
    assert len(letter.record["payload"]) <= 2048


def test_none_value_is_poison_not_a_crash() -> None:
    outcome = Validator(Tenants(), 90).validate(None)
    assert isinstance(outcome, DeadLetter) and outcome.reason == "invalid_json"


def test_clock_skew_is_corrected_from_sent_at() -> None:
    # The device clock is 10 minutes behind: it sent at 11:50 (its time), the bridge got it at 12:00.
    client = RECEIVED - dt.timedelta(minutes=10, seconds=5)
    event = ok(raw(timestamp=_iso(client), sentAt=_iso(RECEIVED - dt.timedelta(minutes=10))))
    assert event["clientTimestamp"] == client
    assert event["timestamp"] == RECEIVED - dt.timedelta(seconds=5)
    assert event["receivedAt"] == RECEIVED


@pytest.mark.parametrize(("timestamp", "sent_at", "outcome"), [
    (RECEIVED + dt.timedelta(hours=23), None, "valid"),
    (RECEIVED + dt.timedelta(hours=25), None, "too_far_in_future"),
    # A device clock 2 days ahead is corrected by sentAt: accepted.
    (RECEIVED + dt.timedelta(days=2), RECEIVED + dt.timedelta(days=2, seconds=1), "valid"),
    (RECEIVED - dt.timedelta(days=89), None, "valid"),
    (RECEIVED - dt.timedelta(days=91), None, "older_than_retention"),
    # Naive times are UTC; offsets are converted.
    (RECEIVED.replace(tzinfo=None), None, "valid"),
])
def test_future_and_retention_windows(timestamp: dt.datetime, sent_at: dt.datetime | None,
                                      outcome: str) -> None:
    event = raw(timestamp=timestamp.isoformat(), sentAt=sent_at.isoformat() if sent_at else None)
    if outcome == "valid":
        ok(event)
    else:
        dead(event, outcome)


def test_retention_window_follows_the_setting() -> None:
    event = raw(timestamp=_iso(RECEIVED - dt.timedelta(days=10)))
    ok(event, retention_days=30)
    dead(event, "older_than_retention", retention_days=7)


def test_offset_timestamps_are_converted_to_utc() -> None:
    event = ok(raw(timestamp="2026-05-10T14:00:00+02:00"))
    assert event["timestamp"] == RECEIVED and event["timestamp"].utcoffset() == dt.timedelta(0)


def test_epoch_milliseconds_are_accepted() -> None:
    event = ok(raw(timestamp=int(RECEIVED.timestamp() * 1000)))
    assert event["timestamp"] == RECEIVED


# -- consent -----------------------------------------------------------------------------------
REVIEW = {"reviewText": "Lovely, write me at jane@example.com", "rating": 4,
          "unknownField": "free text the schema does not know"}


def test_with_consent_ids_are_kept_and_free_text_is_scrubbed() -> None:
    event = ok(raw(eventType="REVIEW_SUBMITTED", eventData=REVIEW, consent={"analytics": True}))
    assert event["userId"] == "user-1"
    assert event["clientIpPrefix"] == "203.0.113.0/24"
    assert "jane@example.com" not in event["eventData"]["reviewText"]
    assert "[email]" in event["eventData"]["reviewText"]
    assert event["eventData"]["unknownField"] == "free text the schema does not know"


def test_without_consent_ids_are_hashed_free_text_dropped_no_ip() -> None:
    event = ok(raw(eventType="REVIEW_SUBMITTED", eventData=REVIEW, anonymousId="anon-9",
                   consent={"analytics": False, "personalization": True}))
    assert event["userId"] not in (None, "user-1") and event["anonymousId"] not in (None, "anon-9")
    assert event["clientIpPrefix"] is None
    assert event["eventData"] == {"rating": 4}
    assert event["consentAnalytics"] is False and event["consentPersonalization"] is True


def test_absent_consent_uses_the_tenant_default() -> None:
    assert ok(raw(consent=None), consent_default=True)["userId"] == "user-1"
    hashed = ok(raw(consent=None), consent_default=False)
    assert hashed["userId"] != "user-1" and hashed["consentAnalytics"] is False
    assert hashed["clientIpPrefix"] is None


def test_consent_hashing_is_stable_per_tenant_and_differs_between_tenants() -> None:
    no_consent = {"analytics": False}
    a1 = ok(raw(consent=no_consent))["userId"]
    a2 = ok(raw(consent=no_consent, eventType="CLICK", eventData={}))["userId"]
    b = ok(raw(consent=no_consent, tenantId="tenant-b"))["userId"]
    assert a1 == a2
    assert a1 != b
    assert "user-1" not in a1


def test_hash_policy_fields_are_hashed_and_drop_fields_dropped() -> None:
    event = ok(raw(eventType="PROFILE_VIEWED", eventData={"targetUserId": "user-77", "channel": "link"}))
    assert event["eventData"]["targetUserId"] not in ("user-77", None)
    error = ok(raw(eventType="ERROR", eventData={"message": "boom", "props": {"a": 1}}))
    assert error["eventData"] == {"message": "boom"}


def test_user_id_that_is_an_email_is_hashed_even_with_consent() -> None:
    event = ok(raw(userId="jane.doe@example.com"))
    assert "@" not in event["userId"]


def test_ipv6_is_truncated_to_48() -> None:
    assert ok(raw(clientIp="2001:db8:85a3:1234::1"))["clientIpPrefix"] == "2001:db8:85a3::/48"


def test_urls_lose_query_values_and_fragments() -> None:
    event = ok(raw(path="/search?q=jane@example.com&utm_source=mail#frag",
                   context={"referrer": "https://example.com/p?session=123&utm_medium=x#top"}))
    assert "jane" not in event["path"] and "#" not in event["path"] and "utm_source=mail" in event["path"]
    assert "123" not in event["referrer"] and "#" not in event["referrer"]


def test_sensitive_keys_inside_json_fields_are_redacted() -> None:
    event = ok(raw(eventType="CLICK", eventData={"details": {"Email-Address": "x", "section": "hero"}}))
    assert event["eventData"]["details"]["section"] == "hero"
    assert event["eventData"]["details"]["Email-Address"] != "x"


def test_context_viewport_fills_the_page_view_schema_field() -> None:
    event = ok(raw(context={"viewport": {"width": 390, "height": 844}}))
    assert event["eventData"]["viewport"] == {"width": 390, "height": 844}


def test_client_device_type_wins_over_the_user_agent() -> None:
    assert ok(raw(context={"deviceType": "tablet"}))["deviceType"] == "tablet"
    assert ok(raw(context={"deviceType": "toaster"}))["deviceType"] == "mobile"


def test_redactions_are_counted_by_kind() -> None:
    validator = Validator(Tenants(), 90)
    validator.validate(orjson.dumps(raw(eventType="REVIEW_SUBMITTED", eventData=REVIEW)))
    assert validator.counts["email"] >= 1


# -- the DLQ never leaks what the main path removes -------------------------------------------
def test_dlq_payload_is_scrubbed_and_ip_truncated() -> None:
    letter = dead(raw(eventType="REVIEW_SUBMITTED", consent={"analytics": True},
                      eventData={"reviewText": "mail jane@example.com", "rating": 11}),
                  "schema_violation")
    payload = letter.record["payload"]
    text = orjson.dumps(payload).decode()
    assert "jane@example.com" not in text and "203.0.113.77" not in text
    assert payload["clientIpPrefix"] == "203.0.113.0/24"


def test_dlq_payload_without_consent_has_no_ids_free_text_or_ip() -> None:
    letter = dead(raw(eventType="REVIEW_SUBMITTED", consent={"analytics": False}, sessionId=None,
                      eventData={"reviewText": "secret diary", "rating": 4}), "invalid_envelope")
    text = orjson.dumps(letter.record).decode()
    assert "secret diary" not in text and "user-1" not in text and "203.0.113" not in text


def test_dlq_of_unknown_type_without_consent_drops_event_data() -> None:
    letter = dead(raw(eventType="CUSTOM", consent={"analytics": False},
                      eventData={"note": "my diary"}), "unknown_event_type")
    assert "eventData" not in letter.record["payload"]


def test_dlq_of_non_json_scrubs_the_text() -> None:
    letter = dead(b"call +1 415 555 0134 or jane@example.com {", "invalid_json")
    assert "jane@example.com" not in letter.record["payload"]
    assert "555 0134" not in letter.record["payload"]


def test_deeply_nested_event_data_is_dead_lettered_not_a_crash() -> None:
    event = raw(eventType="CLICK", eventData={"details": "PLACEHOLDER"})
    nested = '{"a":' * 1000 + '"leaf"' + "}" * 1000
    data = orjson.dumps(event).replace(b'"PLACEHOLDER"', nested.encode())
    outcome = run(data)
    assert isinstance(outcome, DeadLetter), outcome
    assert outcome.reason in ("invalid_json", "too_deep")
    orjson.dumps(outcome.record)


def test_tenant_store_errors_propagate_so_the_batch_is_retried() -> None:
    from consumers.validate.core import TenantStoreError

    class Down:
        def policy(self, tenant_id: str) -> TenantPolicy | None:
            raise TenantStoreError("database down")

    with pytest.raises(TenantStoreError):
        Validator(Down(), 90).validate(orjson.dumps(raw()))


def test_session_id_holding_pii_is_pseudonymised_consistently() -> None:
    first = ok(raw(sessionId="jane.doe@example.com-1"))
    second = ok(raw(sessionId="jane.doe@example.com-1", eventType="CLICK", eventData={}))
    assert "@" not in first["sessionId"] and first["sessionId"] == second["sessionId"]
    assert ok(raw(sessionId="s-plain"))["sessionId"] == "s-plain"


def test_unexpected_errors_dead_letter_the_record_and_log_no_content(
        caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def policy(self, tenant_id: str) -> TenantPolicy | None:
            raise ValueError(f"bug while handling {tenant_id} jane@example.com")

    outcome = Validator(Broken(), 90).validate(orjson.dumps(raw()))
    assert isinstance(outcome, DeadLetter) and outcome.reason == "internal_error"
    assert "jane@example.com" not in caplog.text and "ValueError" in str(caplog.records[-1].__dict__)


def test_unknown_fields_inside_nested_records_are_dropped() -> None:
    event = ok(raw(eventData={"viewport": {"width": 3, "dpr": 2}, "custom": {"dpr": 2}}))
    assert event["eventData"] == {"viewport": {"width": 3}, "custom": {"dpr": 2}}


def test_web_sdk_autocapture_shapes_are_typed_fields() -> None:
    """The browser SDK's CLICK, web-vitals and ERROR payloads fit their (v2) schemas, so they
    survive even without consent, except the free text."""
    no_consent = {"analytics": False}
    click = ok(raw(eventType="CLICK", consent=no_consent,
                   eventData={"element": "button", "label": None, "elementId": "buy"}))
    assert click["eventData"] == {"element": "button", "elementId": "buy"}
    vital = ok(raw(eventType="PERFORMANCE_METRIC", consent=no_consent,
                   eventData={"metric": "LCP", "value": 2300, "unit": "ms", "rating": "good"}))
    assert vital["eventData"] == {"metric": "LCP", "value": 2300.0, "unit": "ms", "rating": "good"}
    error = ok(raw(eventType="ERROR", consent=no_consent, eventData={
        "message": "x is undefined", "kind": "error", "critical": False, "stack": "at f (a.js:1:2)",
        "name": "TypeError", "source": "https://shop.example/app.js?session=42#x", "line": 7, "column": 3}))
    assert error["eventData"] == {"kind": "error", "critical": False, "name": "TypeError",
                                  "source": error["eventData"]["source"], "line": 7, "column": 3}
    assert "42" not in error["eventData"]["source"] and "#" not in error["eventData"]["source"]
