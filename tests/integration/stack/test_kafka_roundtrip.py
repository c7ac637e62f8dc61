"""The local stack's Kafka is real Kafka: idempotent producer, transactions, read_committed."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, Producer

from interlog.settings import Settings

pytestmark = pytest.mark.integration


def _read_all(settings: Settings, topic: str, expected: int, isolation: str) -> list[bytes]:
    consumer = Consumer({
        "bootstrap.servers": settings.kafka_bootstrap,
        "group.id": f"test-{uuid.uuid4().hex}",
        "auto.offset.reset": "earliest",
        "isolation.level": isolation,
        "enable.partition.eof": True,
    })
    consumer.subscribe([topic])
    values: list[bytes] = []
    eof: set[int] = set()
    partitions = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    try:
        while len(eof) < partitions or len(values) < expected:
            for msg in consumer.consume(500, timeout=1.0):
                error = msg.error()
                if error is not None:
                    if error.code() == -191:  # _PARTITION_EOF
                        eof.add(msg.partition() or 0)
                        continue
                    raise AssertionError(error)
                values.append(msg.value() or b"")
            if len(eof) == partitions and len(values) >= expected:
                break
    finally:
        consumer.close()
    return values


def test_idempotent_producer_round_trip(settings: Settings) -> None:
    producer = Producer({
        "bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True, "acks": "all",
    })
    sent = [f"event-{i}".encode() for i in range(2000)]
    for i, value in enumerate(sent):
        producer.produce(settings.topics.raw, value=value, key=str(i % 7).encode())
    assert producer.flush(30) == 0
    assert sorted(_read_all(settings, settings.topics.raw, len(sent), "read_committed")) == sorted(sent)


def test_transactions_commit_visible_abort_invisible(settings: Settings) -> None:
    producer = Producer({
        "bootstrap.servers": settings.kafka_bootstrap,
        "transactional.id": f"test-tx-{uuid.uuid4().hex}",
    })
    producer.init_transactions(30)
    producer.begin_transaction()
    for i in range(50):
        producer.produce(settings.topics.v1, value=f"committed-{i}".encode())
    producer.commit_transaction(30)
    producer.begin_transaction()
    for i in range(50):
        producer.produce(settings.topics.v1, value=f"aborted-{i}".encode())
    producer.flush(30)
    producer.abort_transaction(30)

    committed = _read_all(settings, settings.topics.v1, 50, "read_committed")
    assert sorted(committed) == sorted(f"committed-{i}".encode() for i in range(50))
    uncommitted = _read_all(settings, settings.topics.v1, 100, "read_uncommitted")
    assert len([v for v in uncommitted if v.startswith(b"aborted-")]) == 50
