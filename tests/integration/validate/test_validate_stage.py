"""The validate stage as a real process on real Kafka: valid -> v1, invalid and poison -> DLQ."""

from __future__ import annotations

import datetime as dt
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from benchmarks.raw_events import realistic_mix
from interlog.settings import Settings
from schemas.codec import V1Codec
from tests.integration.validate.kafka_io import count_topic, produce_raw, read_topic
from tests.support.services import service
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _invalid(tenant: str, now: dt.datetime) -> list[tuple[dict[str, Any], str]]:
    def event(**changes: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "eventId": str(uuid.uuid4()), "eventType": "PAGE_VIEW", "timestamp": _iso(now),
            "sessionId": "s-9", "userId": "u-9", "receivedAt": _iso(now), "tenantId": tenant,
            "clientIp": "198.51.100.23", "userAgent": None,
        }
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    return [
        (event(eventType="NOT_IN_CATALOG"), "unknown_event_type"),
        (event(sessionId=None), "invalid_envelope"),
        (event(eventType="RATING_COMPLETED", eventData={"ratings": {"overall": 11}}), "schema_violation"),
        (event(eventType="DAILY_SCORES_RECORDED", eventData={"date": "2026-01-01"}), "schema_violation"),
        (event(timestamp=_iso(now + dt.timedelta(days=3))), "too_far_in_future"),
        (event(timestamp=_iso(now - dt.timedelta(days=400))), "older_than_retention"),
        (event(tenantId="no-such-tenant"), "unknown_tenant"),
    ]


POISON = [
    (b"this is not json {", "invalid_json"),
    (b"\xff\xfe\xfa not utf-8", "invalid_encoding"),
    (b"[1, 2, 3]", "invalid_envelope"),
    (b"{" + b'"pad": "' + b"a" * 1_000_000 + b'"}', "too_large"),
]


def test_mixed_stream_valid_to_v1_invalid_and_poison_to_dlq(stage_settings: Settings, tenant: str,
                                                             tmp_path: Path) -> None:
    settings = stage_settings
    now = dt.datetime.now(dt.UTC)
    valid = realistic_mix(400, seed=11, tenant_id=tenant, now=now)
    invalid = _invalid(tenant, now)
    records = [(f"{tenant}:{e['sessionId']}".encode(), orjson.dumps(e)) for e in valid]
    records += [(f"{tenant}:s-9".encode(), orjson.dumps(e)) for e, _ in invalid]
    records += [(f"{tenant}:poison".encode(), value) for value, _ in POISON]
    produce_raw(settings, records)
    expected_total = len(records)

    with service(["consume", "validate"], settings, tmp_path / "validate.log") as proc:
        wait_until(lambda: count_topic(settings, settings.topics.v1)
                   + count_topic(settings, settings.topics.dlq) >= expected_total or not proc.alive(),
                   timeout_s=90, what="all records processed")
        assert proc.alive(), proc.log()
        metrics = urllib.request.urlopen(
            f"http://127.0.0.1:{settings.ports.validate_metrics}/metrics", timeout=10).read().decode()
        assert proc.stop() == 0, proc.log()

    codec = V1Codec.from_settings(settings)
    v1 = read_topic(settings, settings.topics.v1)
    decoded = [codec.decode(value) for _, value in v1]
    assert Counter(e["eventId"] for e in decoded) == Counter(e["eventId"] for e in valid)
    for (key, _), event in zip(v1, decoded, strict=True):
        assert key == f"{tenant}:{event['sessionId']}".encode()
        assert event["tenantId"] == tenant
    v1_text = b"".join(value for _, value in v1)
    for leak in (b"jane.doe@example.com", b"415 555 0134", b"token=abc123def"):
        assert leak not in v1_text
    for ip in {e["clientIp"] for e in valid}:
        assert ip.encode() not in v1_text  # only the /24 or /48 prefix is kept
    assert any(e["clientIpPrefix"] for e in decoded)

    dlq = [orjson.loads(value) for _, value in read_topic(settings, settings.topics.dlq)]
    assert len(dlq) == len(invalid) + len(POISON)
    by_event_id = {d["payload"]["eventId"]: d for d in dlq if isinstance(d["payload"], dict)}
    for event, reason in invalid:
        letter = by_event_id[event["eventId"]]
        assert letter["reason"] == reason and letter["stage"] == "validate" and letter["errors"]
        assert "198.51.100.23" not in orjson.dumps(letter).decode()
    poison_reasons = Counter(d["reason"] for d in dlq if not isinstance(d["payload"], dict))
    poison_reasons += Counter(d["reason"] for d in dlq if isinstance(d["payload"], dict)
                              and "eventId" not in d["payload"])
    assert poison_reasons == Counter(reason for _, reason in POISON)

    rating = 'interlog_validate_dead_letters_total{event_type="RATING_COMPLETED",reason="schema_violation"}'
    assert f"{rating} 1.0" in metrics
    assert "interlog_pii_redactions_total{kind=" in metrics
    assert 'interlog_validate_transactions_total{outcome="commit"}' in metrics
