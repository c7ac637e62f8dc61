"""A real ``interlog bridge`` child process on a free port, and reading its raw topic back."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from interlog.settings import Settings
from tests.support.services import ServiceProcess, service
from tests.support.stacks import free_ports
from tests.support.waiting import wait_until


@dataclass(frozen=True)
class RunningBridge:
    settings: Settings
    process: ServiceProcess

    @property
    def url(self) -> str:
        return self.settings.bridge_url


def _answers(url: str, path: str) -> bool:
    try:
        return httpx.get(url + path, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def running_bridge(settings: Settings, log_dir: Path, wait_for: str = "/readyz",
                   **limits: Any) -> Iterator[RunningBridge]:
    """Start a bridge with ``settings`` (a free port, ``limits`` overriding BridgeLimits fields)."""
    port = free_ports(1)[0]
    tuned = dataclasses.replace(
        settings, ports=dataclasses.replace(settings.ports, bridge=port),
        bridge=dataclasses.replace(settings.bridge, **limits),
    )
    with service(["bridge"], tuned, log_dir / f"bridge-{port}.log") as proc:
        wait_until(lambda: not proc.alive() or _answers(tuned.bridge_url, wait_for), 60,
                   what="bridge ready")
        assert proc.alive(), proc.log()
        yield RunningBridge(tuned, proc)


def make_event(**overrides: Any) -> dict[str, Any]:
    """A valid envelope of ~400 bytes."""
    event: dict[str, Any] = {
        "eventId": str(uuid.uuid4()), "eventType": "PERFUME_VIEW", "timestamp": "2026-11-22T01:00:00.000Z",
        "sessionId": "sess-" + uuid.uuid4().hex[:12], "anonymousId": "anon-" + uuid.uuid4().hex[:12],
        "path": "/perfumes/dior-sauvage", "perfumeId": "dior-sauvage", "houseId": "dior",
        "eventData": {"source": "search"}, "context": {"locale": "en-US", "deviceType": "desktop"},
    }
    event.update(overrides)
    return event


def read_raw(settings: Settings, expected_ids: set[str], timeout_s: float = 30.0) -> dict[str, Any]:
    """Every record of the raw topic by eventId: ``{"key": str, **value}``; reads to the end of
    every partition and until ``expected_ids`` are all seen (or ``timeout_s``)."""
    topic = settings.topics.raw
    consumer = Consumer({
        "bootstrap.servers": settings.kafka_bootstrap, "group.id": f"test-{uuid.uuid4().hex}",
        "enable.partition.eof": True, "enable.auto.commit": False,
    })
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        found: dict[str, Any] = {}
        at_end: set[int] = set()

        def more() -> bool:
            for msg in consumer.consume(1000, timeout=0.5):
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        at_end.add(msg.partition() or 0)
                        continue
                    raise AssertionError(err)
                at_end.discard(msg.partition())
                value = orjson.loads(msg.value() or b"null")
                value["key"] = (msg.key() or b"").decode()
                found[value["eventId"]] = value
            return len(at_end) == len(partitions) and expected_ids <= found.keys()

        with contextlib.suppress(AssertionError):  # the caller's assertions say what is missing
            wait_until(more, timeout_s, interval_s=0.0, what="raw topic records")
        return found
    finally:
        consumer.close()
