"""Shared pieces of the store stage's integration tests: v1 records in, rows and aggregates out."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from confluent_kafka import Consumer, Producer

from aggregators.recomputation import QUERY_PARAMETERS, RECOMPUTED_TABLES
from benchmarks.stored_events import sample_events
from interlog.recompute import mismatches
from interlog.settings import Settings
from schemas.codec import V1Codec
from tests.support.services import ServiceProcess
from tests.support.stacks import free_ports


def fresh_tenant(prefix: str = "store") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def events_for(tenant: str, count: int, seed: int = 1, days: int = 20) -> list[dict[str, Any]]:
    """Realistic events of ``tenant`` spread over the last ``days`` days."""
    now = datetime.now(UTC)
    span = timedelta(days=days) - timedelta(hours=1)
    return list(sample_events(count, tenant, now - timedelta(days=days), span, seed=seed,
                              perfumes=200, users=300))


def produce_v1(settings: Settings, events: Iterable[dict[str, Any]]) -> int:
    """Encode with V1Codec and produce to the v1 topic, keyed ``tenant:session`` (acks=all)."""
    codec = V1Codec.from_settings(settings)
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True,
                         "acks": "all", "linger.ms": 20})
    sent = 0
    for event in events:
        key = f"{event['tenantId']}:{event['sessionId']}".encode()
        producer.produce(settings.topics.v1, value=codec.encode(event), key=key)
        sent += 1
        if sent % 5000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    return sent


def produce_raw_v1(settings: Settings, values: Sequence[bytes]) -> None:
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "acks": "all"})
    for value in values:
        producer.produce(settings.topics.v1, value=value, key=b"bad")
    assert producer.flush(30) == 0


def stored_count(settings: Settings, tenant: str) -> int:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,)
        ).fetchone()
    return int(row[0]) if row else 0


def committed_offsets(settings: Settings, group: str) -> int:
    """Sum of the stored next offsets of the v1 topic for ``group``."""
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(next_offset), 0) FROM interlog.consumer_offset"
            " WHERE group_id = %s AND topic = %s", (group, settings.topics.v1),
        ).fetchone()
    return int(row[0]) if row else 0


def assert_exactly_once(settings: Settings, tenant: str, events: Sequence[dict[str, Any]]) -> None:
    """One row per distinct event, and every aggregate equal to its SQL recomputation."""
    with psycopg.connect(settings.database_url) as conn:
        ids = {str(r[0]) for r in conn.execute(
            "SELECT event_id FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,))}
        total = conn.execute(
            "SELECT count(*) FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,)
        ).fetchone()
        assert total is not None and total[0] == len(ids), "an event is stored more than once"
        assert ids == {e["eventId"] for e in events}
        assert aggregate_mismatches(conn, tenant) == {}
        sessions = conn.execute(
            "SELECT sum(event_count) FROM interlog.user_session WHERE tenant_id = %s", (tenant,)
        ).fetchone()
        assert sessions is not None and sessions[0] == len(ids)


def store_process(settings: Settings, tmp_path: Path, name: str, instance: str,
                  metrics_port: int | None = None) -> ServiceProcess:
    """``interlog consume store`` as a child process (static member ``instance``)."""
    port = metrics_port or free_ports(1)[0]
    return ServiceProcess(["consume", "store"], settings, tmp_path / f"{name}.log",
                          extra_env={"INTERLOG_INSTANCE_ID": instance,
                                     "INTERLOG_STACK_STORE_METRICS_PORT": str(port)})


def metric_value(port: int, name: str) -> float:
    """The value of an unlabelled sample ``name`` on the process's /metrics page."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not on /metrics")


def read_topic(settings: Settings, topic: str, expected: int, timeout_s: float = 30.0) -> list[bytes]:
    """At least ``expected`` record values of ``topic`` (from the beginning), or fail after timeout."""
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                         "group.id": f"test-read-{uuid.uuid4().hex}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    values: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(values) < expected and time.monotonic() < deadline:
            for message in consumer.consume(500, timeout=0.5):
                value = message.value()
                if message.error() is None and value is not None:
                    values.append(value)
    finally:
        consumer.close()
    assert len(values) >= expected, f"only {len(values)} of {expected} records on {topic}"
    return values


def aggregate_mismatches(conn: psycopg.Connection[Any], tenant: str) -> dict[str, tuple[int, int, int]]:
    """Every store aggregate of ``tenant`` compared with its recomputation from the event table."""
    return mismatches(conn, tenant, RECOMPUTED_TABLES, QUERY_PARAMETERS)
