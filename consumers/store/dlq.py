"""DLQ producer of the store stage: records are acknowledged by Kafka before the batch commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from confluent_kafka import KafkaError, Message, Producer

from consumers.store import metrics
from consumers.store.exceptions import StoreError
from interlog.settings import Settings

ACK_TIMEOUT_S = 30.0


class DlqSender:
    """Idempotent producer to ``settings.topics.dlq``, created on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer: Producer | None = None

    def _client(self) -> Producer:
        if self._producer is None:
            self._producer = Producer({
                "bootstrap.servers": self._settings.kafka_bootstrap,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 5,
                "log_level": 4,
            })
        return self._producer

    def send(self, records: Sequence[tuple[bytes | None, bytes]]) -> None:
        """Produce ``(key, value)`` records and wait for all acks; StoreError if any failed."""
        producer = self._client()
        errors: list[KafkaError] = []

        def delivered(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                errors.append(err)

        for key, value in records:
            producer.produce(self._settings.topics.dlq, value=value, key=key, on_delivery=delivered)
            reason = _reason(value)
            metrics.DLQ_RECORDS.labels(reason).inc()
        if producer.flush(ACK_TIMEOUT_S) > 0 or errors:
            raise StoreError(f"DLQ records not acknowledged: {errors[:1] or 'timeout'}")

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(5.0)


def _reason(value: bytes) -> str:
    try:
        parsed: Any = orjson.loads(value)
        return str(parsed.get("reason", "unknown"))
    except orjson.JSONDecodeError:
        return "unknown"
