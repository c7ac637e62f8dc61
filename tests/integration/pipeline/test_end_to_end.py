"""The whole path a user's events take: SDK -> bridge -> raw -> validate -> v1 -> store -> tables.

Real processes for the three services on this test's own topics (each stage derives its group id
from the topic names), real Kafka, real PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Consumer

from interlog.keys import create_key
from interlog.settings import Settings
from producers.sdk import Client
from producers.simulate import simulate
from tests.support.services import ServiceProcess, service
from tests.support.stacks import free_ports
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

PLANTED_EMAIL = "jane.doe+pipeline@example.com"
PLANTED_CARD = "4111 1111 1111 1111"


@pytest.fixture
def pipeline(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    bridge, validate, store = free_ports(3)
    tuned = dataclasses.replace(settings, ports=dataclasses.replace(
        settings.ports, bridge=bridge, validate_metrics=validate, store_metrics=store))
    procs: list[ServiceProcess] = []
    with (service(["bridge"], tuned, tmp_path / "bridge.log") as b,
          service(["consume", "validate"], tuned, tmp_path / "validate.log") as v,
          service(["consume", "store"], tuned, tmp_path / "store.log") as s):
        procs.extend([b, v, s])
        import httpx

        def ready() -> bool:
            for proc in procs:
                assert proc.alive(), proc.log()
            try:
                return all(httpx.get(f"http://127.0.0.1:{p}/metrics", timeout=2).status_code == 200
                           for p in (bridge, validate, store))
            except httpx.HTTPError:
                return False

        wait_until(ready, 60, what="bridge, validate and store serving /metrics")
        yield tuned
        for proc in procs:
            assert proc.alive(), proc.log()


def _dlq(settings: Settings, expected: int) -> list[dict[str, object]]:
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([settings.topics.dlq])
    records: list[dict[str, object]] = []
    try:
        def enough() -> bool:
            records.extend(json.loads(m.value() or b"") for m in consumer.consume(100, 0.5) if not m.error())
            return len(records) >= expected
        wait_until(enough, 60, what=f"{expected} DLQ records")
    finally:
        consumer.close()
    return records


def test_simulated_traffic_is_stored_once_with_sessions_and_no_pii(pipeline: Settings) -> None:
    tenant = f"e2e-{uuid.uuid4().hex[:8]}"
    key = create_key(pipeline.database_url, tenant, "write")
    client = Client(key, pipeline.bridge_url)
    counts = simulate(client, users=6, duration_s=3.0, rate=6.0, rng=random.Random(3))
    pii_session = f"s-{uuid.uuid4().hex[:8]}"
    client.track("SEARCH_PERFORMED", anonymous_id="anon-pii", session_id=pii_session,
                 query=f"oud for {PLANTED_EMAIL}", resultsCount=3, path=f"/search?email={PLANTED_EMAIL}")
    client.track("REVIEW_SUBMITTED", anonymous_id="anon-pii", session_id=pii_session,
                 perfume_id="p-1", value=4, rating=4, text=f"paid with {PLANTED_CARD}, lovely")
    client.track("NOT_A_REAL_EVENT_TYPE", anonymous_id="anon-pii", session_id=pii_session)
    assert client.flush(timeout_s=60)
    client.close()
    sent = sum(counts.values()) + 3
    assert client.stats.accepted == sent, client.stats

    with psycopg.connect(pipeline.database_url, autocommit=True) as conn:
        def stored() -> int:
            row = conn.execute("SELECT count(*) FROM interlog.user_interaction_event WHERE tenant_id = %s",
                               (tenant,)).fetchone()
            return int(row[0]) if row else 0

        wait_until(lambda: stored() >= sent - 1, 120, what="every valid event stored")
        dlq = _dlq(pipeline, 1)
        assert [(d["stage"], d["reason"]) for d in dlq] == [("validate", "unknown_event_type")]
        assert stored() == sent - 1  # exactly once: nothing more arrives
        duplicates = conn.execute(
            "SELECT count(*) - count(DISTINCT event_id) FROM interlog.user_interaction_event"
            " WHERE tenant_id = %s", (tenant,)).fetchone()
        assert duplicates == (0,)

        sessions = conn.execute(
            "SELECT count(*), sum(event_count) FROM interlog.user_session WHERE tenant_id = %s",
            (tenant,)).fetchone()
        distinct_sessions = conn.execute(
            "SELECT count(DISTINCT session_id) FROM interlog.user_interaction_event WHERE tenant_id = %s",
            (tenant,)).fetchone()
        assert sessions is not None and distinct_sessions is not None
        assert sessions[0] == distinct_sessions[0]
        assert sessions[1] == sent - 1

        dump = conn.execute(
            "SELECT coalesce(string_agg(e::text, ' '), '') FROM interlog.user_interaction_event e"
            " WHERE tenant_id = %s AND session_id = %s", (tenant, pii_session)).fetchone()
        assert dump is not None
        text = str(dump[0])
        assert "oud for [email]" in text
        assert PLANTED_EMAIL not in text and "jane.doe" not in text
        assert "4111" not in text
        assert PLANTED_EMAIL not in json.dumps(dlq)
