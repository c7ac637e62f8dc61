"""The HTTP ingestion contract against a real bridge process and real Kafka (records read back)."""

from __future__ import annotations

import base64
import gzip
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from interlog.keys import create_key, revoke_key
from interlog.settings import Settings
from tests.integration.producers.running_bridge import RunningBridge, make_event, read_raw, running_bridge
from tests.support.stacks import with_fresh_topics
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

ALLOWED_ORIGIN = "https://shop.example"


@pytest.fixture(scope="module")
def bridge(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBridge]:
    with running_bridge(with_fresh_topics(stack_settings), tmp_path_factory.mktemp("bridge"),
                        key_cache_ttl_s=1.0) as running:
        yield running
    assert running.process.proc.returncode == 0, running.process.log()[-3000:]


@pytest.fixture(scope="module")
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def write_key(stack_settings: Settings, tenant: str) -> str:
    key = create_key(stack_settings.database_url, tenant, "write")
    with psycopg.connect(stack_settings.database_url) as conn:
        conn.execute("UPDATE interlog.tenant SET cors_origins = %s WHERE tenant_id = %s",
                     ([ALLOWED_ORIGIN], tenant))
    return key


def post(bridge: RunningBridge, body: Any, key: str | None = None, path: str = "/v1/batch",
         **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    if not isinstance(body, bytes):
        body = orjson.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    return httpx.post(bridge.url + path, content=body, headers=headers, timeout=30, **kwargs)


def test_batch_is_on_the_raw_topic_with_the_bridge_stamps(bridge: RunningBridge, write_key: str,
                                                          tenant: str) -> None:
    events = [make_event(), make_event(tenantId="forged", receivedAt="forged"), make_event(userId="u-1")]
    response = post(bridge, {"batch": events, "sentAt": "2026-11-22T01:00:05.000Z"}, write_key,
                    headers={"User-Agent": "contract-test/1"})
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 3, "rejected": []}
    records = read_raw(bridge.settings, {e["eventId"] for e in events})
    for event in events:
        record = records[event["eventId"]]
        assert record["key"] == f"{tenant}:{event['sessionId']}"
        assert record["tenantId"] == tenant
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["receivedAt"])
        assert record["clientIp"] == "127.0.0.1"
        assert record["userAgent"] == "contract-test/1"
        assert record["sentAt"] == "2026-11-22T01:00:05.000Z"
        assert {k: record[k] for k in ("eventType", "sessionId", "path", "eventData", "context")} == {
            k: event[k] for k in ("eventType", "sessionId", "path", "eventData", "context")
        }


def test_partial_rejection_is_200_and_rejected_events_stay_out_of_kafka(bridge: RunningBridge,
                                                                       write_key: str) -> None:
    good = make_event()
    bad = [
        {k: v for k, v in make_event().items() if k != "eventId"},
        make_event(eventId="not-a-uuid"),
        make_event(timestamp="yesterday"),
        {k: v for k, v in make_event().items() if k != "anonymousId"},
        make_event(duration="long"),
        make_event(eventData="text"),
        make_event(eventData={"blob": "x" * 40_000}),
        "not an object",
    ]
    response = post(bridge, [good, *bad], write_key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == list(range(1, 9))
    assert body["rejected"][1]["eventId"] == "not-a-uuid"
    assert "exceeds" in body["rejected"][6]["error"]
    records = read_raw(bridge.settings, {good["eventId"]})
    assert good["eventId"] in records
    assert not {b["eventId"] for b in bad if isinstance(b, dict) and "eventId" in b} & records.keys()


@pytest.mark.parametrize(("body", "fragment"), [
    (b'{"batch": [', "malformed JSON"),
    (b'\xff\xfe{"batch": []}', "malformed JSON"),
    (b'{"events": []}', "batch"),
    (b'"just a string"', "batch"),
    (b'{"batch": []}', "empty"),
    (b"[" * 5000 + b"]" * 5000, "malformed JSON"),
])
def test_malformed_bodies_are_400(bridge: RunningBridge, write_key: str, body: bytes, fragment: str) -> None:
    response = post(bridge, body, write_key, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def test_every_event_rejected_is_400_with_the_reasons(bridge: RunningBridge, write_key: str) -> None:
    response = post(bridge, {"batch": [{"eventType": "X"}, make_event(sessionId="")]}, write_key)
    assert response.status_code == 400
    body = response.json()
    assert body["accepted"] == 0 and [r["index"] for r in body["rejected"]] == [0, 1]


def test_missing_unknown_and_read_keys_are_401(bridge: RunningBridge, stack_settings: Settings,
                                               tenant: str) -> None:
    assert post(bridge, [make_event()]).status_code == 401
    unknown = post(bridge, [make_event()], "ilw_deadbeef_nope")
    assert unknown.status_code == 401 and "unknown" in unknown.json()["error"]
    read_key = create_key(stack_settings.database_url, tenant, "read")
    read = post(bridge, [make_event()], read_key)
    assert read.status_code == 401 and read.json()["error"] == "not a write key"


def test_all_four_auth_forms_are_accepted(bridge: RunningBridge, write_key: str) -> None:
    events = [make_event() for _ in range(4)]
    basic = base64.b64encode(f"{write_key}:".encode()).decode()
    responses = [
        post(bridge, [events[0]], write_key),
        post(bridge, [events[1]], headers={"Authorization": f"Basic {basic}"}),
        post(bridge, {"batch": [events[2]], "writeKey": write_key}),
        post(bridge, [events[3]], params={"writeKey": write_key}),
    ]
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    records = read_raw(bridge.settings, {e["eventId"] for e in events})
    assert {e["eventId"] for e in events} <= records.keys()


def test_alias_route_single_event_route_text_plain_and_gzip(bridge: RunningBridge, write_key: str) -> None:
    alias, single, plain, zipped = (make_event() for _ in range(4))
    assert post(bridge, [alias], write_key, path="/api/log-interaction").status_code == 200
    single_response = post(bridge, {**single, "writeKey": write_key}, path="/v1/event")
    assert single_response.json() == {"accepted": 1, "rejected": []}
    assert post(bridge, orjson.dumps([plain]), write_key,
                headers={"Content-Type": "text/plain;charset=UTF-8"}).status_code == 200
    assert post(bridge, gzip.compress(orjson.dumps({"batch": [zipped]})), write_key,
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}).status_code == 200
    ids = {e["eventId"] for e in (alias, single, plain, zipped)}
    records = read_raw(bridge.settings, ids)
    assert ids <= records.keys()
    assert "writeKey" not in records[single["eventId"]]


def test_too_large_is_413_including_a_gzip_bomb(bridge: RunningBridge, write_key: str) -> None:
    limits = bridge.settings.bridge
    big = orjson.dumps([make_event(eventData={"x": "y" * 1000}) for _ in range(600)])
    assert len(big) > limits.max_body_bytes
    assert post(bridge, big, write_key, headers={"Content-Type": "application/json"}).status_code == 413
    bomb = gzip.compress(b"[" + b" " * (200 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < 1024 * 1024
    response = post(bridge, bomb, write_key, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413, response.text
    many = [make_event() for _ in range(limits.max_batch_events + 1)]
    assert post(bridge, many, write_key).status_code == 413
    assert bridge.process.alive()


def test_oversized_body_sent_in_full_still_reads_413(bridge: RunningBridge, write_key: str) -> None:
    """A client that writes its whole body before reading gets the 413, not a reset connection."""
    import socket
    from urllib.parse import urlsplit

    body = orjson.dumps({"batch": [make_event(eventData={"pad": "x" * 20000}) for _ in range(120)]})
    assert len(body) > 4 * bridge.settings.bridge.max_body_bytes
    url = urlsplit(bridge.url)
    head = (f"POST /v1/batch HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {write_key}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head + body)  # raises ConnectionResetError/BrokenPipeError if the bridge hung up
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"exceeds" in answer


def test_unsupported_media_is_415(bridge: RunningBridge, write_key: str) -> None:
    body = orjson.dumps([make_event()])
    assert post(bridge, body, write_key, headers={"Content-Type": "application/xml"}).status_code == 415
    assert post(bridge, body, write_key, headers={"Content-Type": "application/json",
                                                  "Content-Encoding": "br"}).status_code == 415


def test_cors_preflight_and_response_headers(bridge: RunningBridge, write_key: str,
                                             stack_settings: Settings) -> None:
    def preflight(origin: str, params: dict[str, str] | None = None) -> httpx.Response:
        return httpx.options(bridge.url + "/v1/batch", params=params, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})

    allowed = preflight(ALLOWED_ORIGIN, {"writeKey": write_key})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "POST" in allowed.headers["access-control-allow-methods"]
    keyless = preflight(ALLOWED_ORIGIN)
    assert keyless.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    # keyless preflights use the union of all tenants' origins (another tenant may allow '*'),
    # a preflight with the key uses that tenant's list
    evil = preflight("https://evil.example", {"writeKey": write_key})
    assert "access-control-allow-origin" not in evil.headers

    response = post(bridge, [make_event()], write_key, headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "Retry-After" in response.headers["access-control-expose-headers"]
    other = post(bridge, [make_event()], write_key, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers

    wildcard_key = create_key(stack_settings.database_url, f"w-{uuid.uuid4().hex[:8]}", "write")
    with psycopg.connect(stack_settings.database_url) as conn:
        conn.execute("UPDATE interlog.tenant SET cors_origins = '{*}' WHERE tenant_id = "
                     "(SELECT tenant_id FROM interlog.api_key WHERE key_id = %s)",
                     ("_".join(wildcard_key.split("_")[:2]),))
    anywhere = post(bridge, [make_event()], wildcard_key, headers={"Origin": "https://any.example"})
    assert anywhere.headers["access-control-allow-origin"] == "https://any.example"


def test_revoked_key_is_refused_within_the_cache_ttl(bridge: RunningBridge, stack_settings: Settings,
                                                    tenant: str) -> None:
    key = create_key(stack_settings.database_url, tenant, "write")
    assert post(bridge, [make_event()], key).status_code == 200
    assert revoke_key(stack_settings.database_url, "_".join(key.split("_")[:2]))
    ttl = bridge.settings.bridge.key_cache_ttl_s
    wait_until(lambda: post(bridge, [make_event()], key).status_code == 401, ttl + 5.0,
               what="revoked key refused")


def test_probes_metrics_and_openapi(bridge: RunningBridge, write_key: str) -> None:
    assert httpx.get(bridge.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(bridge.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["kafka"] is True
    post(bridge, [make_event(), {"bad": 1}], write_key)
    metrics = httpx.get(bridge.url + "/metrics").text
    assert 'interlog_bridge_requests_total{route="/v1/batch",status="200"}' in metrics
    assert 'interlog_bridge_events_rejected_total{reason="invalid_event_id"}' in metrics
    assert "interlog_bridge_events_accepted_total" in metrics
    assert "interlog_bridge_request_seconds_bucket" in metrics
    assert "interlog_bridge_producer_queue_messages" in metrics
    document = httpx.get(bridge.url + "/openapi.json").json()
    assert document["openapi"].startswith("3.")
    routes = {"/v1/batch", "/api/log-interaction", "/v1/event", "/healthz", "/readyz"}
    assert routes <= document["paths"].keys()
    assert httpx.get(bridge.url + "/nope").status_code == 404
    assert httpx.get(bridge.url + "/v1/batch").status_code == 405


def test_rate_limit_is_429_with_retry_after(settings: Settings, write_key: str, tmp_path: Path) -> None:
    with running_bridge(settings, tmp_path, rate_per_s=0.5, rate_burst=5.0) as limited:
        first = post(limited, [make_event() for _ in range(5)], write_key)
        assert first.status_code == 200
        blocked = [make_event() for _ in range(3)]
        second = post(limited, blocked, write_key)
        assert second.status_code == 429
        assert int(second.headers["Retry-After"]) >= 1
        records = read_raw(limited.settings, {e["eventId"] for e in blocked}, timeout_s=5)
        assert not {e["eventId"] for e in blocked} & records.keys()


def test_full_producer_queue_is_503_and_nothing_is_accepted(settings: Settings, write_key: str,
                                                           tmp_path: Path) -> None:
    with running_bridge(settings, tmp_path, producer_queue_max=10) as small:
        response = post(small, [make_event() for _ in range(11)], write_key)
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) >= 1
        assert post(small, [make_event() for _ in range(3)], write_key).status_code == 200


def test_sigterm_flushes_and_exits_0(settings: Settings, write_key: str, tmp_path: Path) -> None:
    with running_bridge(settings, tmp_path) as running:
        events = [make_event() for _ in range(50)]
        assert post(running, events, write_key).status_code == 200
        assert running.process.stop() == 0
        assert "bridge stopped" in running.process.log()
    assert {e["eventId"] for e in events} <= read_raw(running.settings, {e["eventId"] for e in events}).keys()
