"""``interlog bench validate``: events/s of one validate process on a realistic mix, transactions on.

Measured in the same run against the ceiling of the machine and broker:
- ``raw_consume_produce_events_per_s``: a plain consume -> produce copy of the same records
  (same batch size, no validation, no transactions);
- ``txn_copy_events_per_s``: the same copy inside one Kafka transaction per batch (offsets too);
- ``validate_core_events_per_s``: the pure core (validate + Avro encode), no Kafka;
- ``validate_events_per_s``: the real stage (consume, validate, produce v1/DLQ, commit per batch).
The ``*_per_cpu_s`` variants divide by the process's CPU time instead of wall time: on a shared,
loaded machine they estimate the per-core rate.
Progress goes to stderr; the numbers are returned.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import time
import uuid
from typing import Any

import orjson
import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition

from benchmarks.raw_events import realistic_mix
from cli.stack.topics import TopicSpec, ensure_topics
from consumers.runtime import Shutdown, consumer_config
from consumers.validate.core import Valid
from consumers.validate.stage import BATCH_MAX, build_stage
from interlog.settings import Settings, Topics

PARTITIONS = 3


def _progress(message: str) -> None:
    print(f"[bench validate] {message}", file=sys.stderr, flush=True)


def _produce(settings: Settings, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "acks": "all",
                         "enable.idempotence": True, "linger.ms": 20, "compression.type": "lz4"})
    for key, value in records:
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(120)


def _copy(settings: Settings, source: str, target: str, total: int, transactional: bool) -> float:
    """Events/s of a consume -> produce copy of ``total`` records (optionally transactional)."""
    group = f"bench-copy-{uuid.uuid4().hex[:8]}"
    consumer = Consumer(consumer_config(settings, group))
    config: dict[str, Any] = {"bootstrap.servers": settings.kafka_bootstrap, "linger.ms": 5,
                              "compression.type": "lz4", "enable.idempotence": True}
    if transactional:
        config["transactional.id"] = group
    producer = Producer(config)
    if transactional:
        producer.init_transactions(30)
    consumer.subscribe([source])
    copied, started = 0, 0.0
    try:
        while copied < total:
            messages = [m for m in consumer.consume(BATCH_MAX, 1.0) if m.error() is None]
            if not messages:
                continue
            if not started:
                started = time.perf_counter()
            if transactional:
                producer.begin_transaction()
            positions: dict[int, int] = {}
            for msg in messages:
                producer.produce(target, msg.value(), msg.key())
                positions[msg.partition() or 0] = (msg.offset() or 0) + 1
            offsets = [TopicPartition(source, p, o) for p, o in positions.items()]
            if transactional:
                producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), 30)
                producer.commit_transaction(30)
            else:
                producer.flush(30)
                consumer.commit(offsets=offsets, asynchronous=False)
            copied += len(messages)
    finally:
        consumer.close()
    return copied / (time.perf_counter() - started)


def _core_rate(settings: Settings, values: list[bytes]) -> tuple[float, float]:
    """(events per wall second, events per CPU second) of validate + encode, no Kafka."""
    stage, tenants = build_stage(settings, Shutdown())
    try:
        validator, codec = stage.validator, stage.codec
        for value in values[:2000]:  # warm caches and the tenant lookup like a running stage
            outcome = validator.validate(value)
        started, cpu_started = time.perf_counter(), time.process_time()
        for value in values:
            outcome = validator.validate(value)
            if isinstance(outcome, Valid):
                codec.encode(outcome.event)
            else:
                orjson.dumps(outcome.record)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        return len(values) / wall, len(values) / max(cpu, 1e-9)
    finally:
        tenants.close()


def run(settings: Settings, quick: bool) -> dict[str, float]:
    """Run the benchmark on the stack of ``settings`` (needs Kafka and the migrated database)."""
    total = 40_000 if quick else 200_000
    tag = uuid.uuid4().hex[:8]
    topics = Topics(raw=f"bench-{tag}.raw", v1=f"bench-{tag}.v1", dlq=f"bench-{tag}.dlq")
    settings = dataclasses.replace(settings, topics=topics, instance_id=f"bench-{tag}")
    copy_plain, copy_txn = f"bench-{tag}.copy", f"bench-{tag}.copytxn"
    ensure_topics(settings, [TopicSpec(name, PARTITIONS, 3_600_000) for name in
                             (topics.raw, topics.v1, topics.dlq, copy_plain, copy_txn)])
    tenant = f"bench-{tag}"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO interlog.tenant (tenant_id, name) VALUES (%s, %s)", (tenant, tenant))
    _progress(f"generating {total} realistic raw events")
    records = [(f"{tenant}:{e['sessionId']}".encode(), orjson.dumps(e))
               for e in realistic_mix(total, seed=3, tenant_id=tenant)]  # no dicts kept alive:
    # a heap of live dicts makes every cyclic-GC pass slower and would penalise the stage.
    _produce(settings, topics.raw, records)
    gc.collect()
    gc.freeze()  # the input records live for the whole run: keep them out of every GC pass

    results: dict[str, float] = {}
    _progress("ceiling: plain consume -> produce copy")
    results["raw_consume_produce_events_per_s"] = _copy(settings, topics.raw, copy_plain, total, False)
    _progress("ceiling: transactional consume -> produce copy")
    results["txn_copy_events_per_s"] = _copy(settings, topics.raw, copy_txn, total, True)
    _progress("pure core: validate + encode")
    core_wall, core_cpu = _core_rate(settings, [v for _, v in records])
    results["validate_core_events_per_s"] = core_wall
    results["validate_core_events_per_cpu_s"] = core_cpu
    _progress("validate stage (transactions on)")
    stage, tenants = build_stage(settings, Shutdown())
    try:
        cpu_started = time.process_time()
        stage.run(stop_after=total)
        elapsed = time.perf_counter() - (stage.first_batch_at or time.perf_counter())
        cpu = time.process_time() - cpu_started  # every thread of the process, librdkafka's too
    finally:
        tenants.close()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM interlog.tenant WHERE tenant_id = %s", (tenant,))
    results["validate_events_per_s"] = stage.committed_records / max(elapsed, 1e-9)
    results["validate_events_per_cpu_s"] = stage.committed_records / max(cpu, 1e-9)
    for name, value in results.items():
        _progress(f"{name}: {value:,.0f}")
    return results
