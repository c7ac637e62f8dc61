"""Small Kafka helpers for the validate integration tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from confluent_kafka import Consumer, KafkaError, Producer

from interlog.settings import Settings


def produce_raw(settings: Settings, records: Iterable[tuple[bytes, bytes]]) -> int:
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "acks": "all",
                         "enable.idempotence": True, "compression.type": "lz4",
                         "message.max.bytes": 2_000_000, "linger.ms": 10})
    count = 0
    for key, value in records:
        while True:
            try:
                producer.produce(settings.topics.raw, value, key)
                break
            except BufferError:
                producer.poll(0.1)
        count += 1
    assert producer.flush(60) == 0
    return count


def read_topic(settings: Settings, topic: str, isolation: str = "read_committed",
               timeout_s: float = 60.0) -> list[tuple[bytes | None, bytes]]:
    """Every record of ``topic`` up to its end (all partitions at EOF)."""
    consumer = Consumer({
        "bootstrap.servers": settings.kafka_bootstrap, "group.id": f"read-{uuid.uuid4().hex}",
        "auto.offset.reset": "earliest", "isolation.level": isolation, "enable.partition.eof": True,
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    partitions = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    eof: set[int] = set()
    records: list[tuple[bytes | None, bytes]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(eof) < partitions:
            if time.monotonic() > deadline:
                raise AssertionError(f"reading {topic} timed out ({len(records)} records)")
            for msg in consumer.consume(1000, timeout=0.5):
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        eof.add(msg.partition() or 0)
                        continue
                    raise AssertionError(str(err))
                eof.discard(msg.partition() or 0)
                value = msg.value()
                assert value is not None
                records.append((msg.key(), value))
    finally:
        consumer.close()
    return records


def count_topic(settings: Settings, topic: str, isolation: str = "read_committed") -> int:
    return len(read_topic(settings, topic, isolation))
