"""The contract's topics, created idempotently with their partition counts and retention."""

from __future__ import annotations

from dataclasses import dataclass

from interlog.exceptions import StackError
from interlog.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int


def topic_specs(settings: Settings) -> list[TopicSpec]:
    t = settings.topics
    return [
        TopicSpec(t.raw, 12, 7 * DAY_MS),
        TopicSpec(t.v1, 12, 7 * DAY_MS),
        TopicSpec(t.dlq, 3, 30 * DAY_MS),
    ]


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient
    from confluent_kafka.cimpl import NewTopic

    specs = topic_specs(settings) if specs is None else specs
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap, "log_level": 3})
    existing = set(admin.list_topics(timeout=10).topics)
    missing = [
        NewTopic(
            s.name,
            num_partitions=s.partitions,
            replication_factor=1,
            config={"retention.ms": str(s.retention_ms), "compression.type": "producer"},
        )
        for s in specs
        if s.name not in existing
    ]
    if not missing:
        return
    for name, future in admin.create_topics(missing, operation_timeout=30).items():
        try:
            future.result()
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise StackError(f"creating topic {name} failed: {exc}") from exc
