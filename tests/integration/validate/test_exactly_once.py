"""Exactly once: kill -9 the validate stage mid-stream, restart it; v1 + DLQ hold each input once."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition

from benchmarks.raw_events import realistic_mix
from interlog.settings import Settings
from schemas.codec import V1Codec
from tests.integration.validate.kafka_io import count_topic, produce_raw, read_topic
from tests.support.services import service
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

TOTAL = 30_000
POISON_EVERY = 997
INVALID_EVERY = 50


def _high_watermarks(settings: Settings, topic: str) -> int:
    """Sum of the partitions' end offsets (counts uncommitted records and transaction markers)."""
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": "watermarks"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                   for p in partitions)
    finally:
        consumer.close()


def _outputs(settings: Settings, isolation: str) -> int:
    return (count_topic(settings, settings.topics.v1, isolation)
            + count_topic(settings, settings.topics.dlq, isolation))


def _freeze_inside_a_transaction(settings: Settings, pid: int, alive: Callable[[], bool]) -> int:
    """SIGSTOP the stage at a moment when it has an open transaction with records on the broker.

    Freezing makes the check race-free: if the frozen process has no records in flight, it is
    resumed and frozen again a little later. Returns the number of uncommitted output records.
    """
    deadline = time.monotonic() + 120
    target = 3000
    while time.monotonic() < deadline:
        def reached(goal: int = target) -> bool:
            return _high_watermarks(settings, settings.topics.v1) >= goal or not alive()

        wait_until(reached, timeout_s=90, what="the stage to be mid-stream")
        assert alive(), "the stage died on its own"
        os.kill(pid, signal.SIGSTOP)
        in_flight = _outputs(settings, "read_uncommitted") - _outputs(settings, "read_committed")
        if in_flight > 0:
            return in_flight
        os.kill(pid, signal.SIGCONT)
        target = _high_watermarks(settings, settings.topics.v1) + 300
    raise AssertionError("never caught the stage inside a transaction")


def test_kill_9_mid_stream_then_restart_outputs_each_input_exactly_once(
        stage_settings: Settings, tenant: str, tmp_path: Path) -> None:
    settings = stage_settings
    events = realistic_mix(TOTAL, seed=5, tenant_id=tenant)
    records: list[tuple[bytes, bytes]] = []
    poison = 0
    for index, event in enumerate(events):
        if index % INVALID_EVERY == 0:
            event = {**event, "eventType": "NOT_A_TYPE"}
        key = f"{tenant}:{event['sessionId']}".encode()
        if index % POISON_EVERY == 0:
            records.append((key, b"\x00 poison " + uuid.uuid4().bytes))
            poison += 1
        records.append((key, orjson.dumps(event)))
    produce_raw(settings, records)

    with service(["consume", "validate"], settings, tmp_path / "first.log") as first:
        in_flight = _freeze_inside_a_transaction(settings, first.pid, first.alive)
        first.kill9()
    assert in_flight > 0  # the kill cut an open transaction whose records were on the broker
    committed_before_restart = _outputs(settings, "read_committed")
    assert committed_before_restart < len(records), "the kill came too late to test anything"

    with service(["consume", "validate"], settings, tmp_path / "second.log") as second:
        wait_until(lambda: count_topic(settings, settings.topics.v1)
                   + count_topic(settings, settings.topics.dlq) >= len(records) or not second.alive(),
                   timeout_s=150, interval_s=1.0, what="every record processed after the restart")
        assert second.alive(), second.log()
        assert second.stop() == 0, second.log()

    codec = V1Codec.from_settings(settings)
    seen: Counter[str] = Counter(codec.decode(value)["eventId"] for _, value in read_topic(
        settings, settings.topics.v1))
    dlq = [orjson.loads(value) for _, value in read_topic(settings, settings.topics.dlq)]
    seen.update(d["payload"]["eventId"] for d in dlq if isinstance(d["payload"], dict))
    assert sum(1 for d in dlq if not isinstance(d["payload"], dict)) == poison
    assert seen == Counter(str(e["eventId"]) for e in events)
    assert max(seen.values()) == 1
