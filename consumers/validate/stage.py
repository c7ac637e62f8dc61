"""The validate stage's I/O shell: ``interlog consume validate``.

Reads ``settings.topics.raw`` (read_committed) in batches and, per batch, in ONE Kafka transaction:
produces each record's outcome to ``settings.topics.v1`` (Avro, same key) or ``settings.topics.dlq``
(JSON) and commits the consumed offsets with ``send_offsets_to_transaction`` (KIP-447 model: one
transactional producer per process, fenced by consumer group metadata), so each raw record yields
exactly one output record across crashes and rebalances. On a failed transaction: abort, seek back
to the batch's first offsets (= the committed ones), back off, retry. Fatal Kafka errors stop the
process (exit 2 with one clear line); SIGTERM finishes the batch, commits and returns.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import orjson
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from consumers.runtime import Backoff, Shutdown, consumer_config
from consumers.validate import metrics
from consumers.validate.core import DeadLetter, TenantStoreError, Valid, Validator
from consumers.validate.exceptions import FatalKafkaError
from consumers.validate.tenants import TenantDirectory
from interlog.metrics import serve_metrics
from interlog.settings import Settings, Topics
from schemas.catalog import CATALOG
from schemas.codec import V1Codec
from schemas.exceptions import SchemaError
from schemas.tenant_secrets import TenantSecrets

log = logging.getLogger(__name__)

GROUP_ID = "interlog-validate"
BATCH_MAX = 10_000
"""Records per consume call and per transaction: each transaction costs a few broker round trips
(offsets, commit markers on every partition written) and a flush, so larger batches amortise them
(alternated A/B runs: 2,000 -> 5,000 +15-20 % events/s, 10,000 another ~+20 %). Latency at low load
is still bounded by POLL_TIMEOUT_S; memory by the consumer's ``queued.max.messages.kbytes``."""
POLL_TIMEOUT_S = 0.05
"""Longest wait for a batch to fill: librdkafka's consume() returns early only when it is full, so
this bounds the latency the stage adds at low load; under load batches fill long before."""
TXN_TIMEOUT_S = 30.0
RECORD_SLACK_BYTES = 8 * 1024
"""Bridge stamps added on top of ``bridge.max_event_bytes``; larger raw records are dead-lettered."""


def group_id(settings: Settings) -> str:
    """``interlog-validate`` on the contract topics; per raw topic elsewhere (tests, side deployments)."""
    return GROUP_ID if settings.topics.raw == Topics.raw else f"{GROUP_ID}.{settings.topics.raw}"


def transactional_id(settings: Settings) -> str:
    """One transactional id per process instance (``INTERLOG_INSTANCE_ID``)."""
    base = GROUP_ID if settings.topics.raw == Topics.raw else group_id(settings)
    return f"{base}-{settings.instance_id}"


def producer_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "transactional.id": transactional_id(settings),
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "lz4",
        "transaction.timeout.ms": 60000,
        "message.timeout.ms": 55000,
        "queue.buffering.max.messages": 200000,
        "log_level": 4,
    }


def _encode_failed(event: dict[str, Any], exc: SchemaError) -> dict[str, Any]:
    """The DLQ record of a validated event its schema rejected (a validator/schema mismatch)."""
    return {"stage": "validate", "reason": "encode_failed",
            "errors": [{"path": "", "message": str(exc)}],
            "receivedAt": event["receivedAt"].isoformat(),
            "payload": {"eventId": event["eventId"], "eventType": event["eventType"]}}


def _where(msg: Message) -> tuple[str, int, int]:
    """(topic, partition, offset) of a consumed record (never None for a record without error)."""
    topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
    assert topic is not None and partition is not None and offset is not None
    return topic, partition, offset


def _kafka_error(exc: KafkaException) -> KafkaError | None:
    err = exc.args[0] if exc.args else None
    return err if isinstance(err, KafkaError) else None


class ValidateStage:
    """Consume -> validate -> produce + commit offsets, one transaction per batch."""

    def __init__(self, settings: Settings, shutdown: Shutdown, validator: Validator,
                 codec: V1Codec, batch_max: int = BATCH_MAX) -> None:
        self.settings = settings
        self.shutdown = shutdown
        self.validator = validator
        self.codec = codec
        self.batch_max = batch_max
        self.topics = settings.topics
        self._assigned: set[tuple[str, int]] = set()
        self._backoff = Backoff(base_s=0.2, cap_s=10.0)
        self.committed_records = 0
        """Raw records whose outcome was committed by this process."""
        self.first_batch_at: float | None = None
        """``time.perf_counter()`` when the first batch arrived (benchmarks)."""
        self.consumer = Consumer(consumer_config(settings, group_id(settings),
                                                 **{"session.timeout.ms": 10000}))
        self.producer = Producer(producer_config(settings))

    # -- lifecycle ---------------------------------------------------------------------------
    def run(self, stop_after: int | None = None) -> None:
        """Process batches until shutdown (or, for benchmarks, ``stop_after`` committed records)."""
        self._init_transactions()
        self.consumer.subscribe([self.topics.raw], on_assign=self._on_assign,
                                on_revoke=self._on_revoke, on_lost=self._on_revoke)
        log.info("validate stage running", extra={
            "group": group_id(self.settings), "transactional_id": transactional_id(self.settings),
            "raw": self.topics.raw, "v1": self.topics.v1, "dlq": self.topics.dlq})
        try:
            while not self.shutdown.requested:
                messages = self.consumer.consume(self.batch_max, POLL_TIMEOUT_S)
                if messages:
                    self._handle_batch(messages)
                if stop_after is not None and self.committed_records >= stop_after:
                    break
        finally:
            self._close()

    def _close(self) -> None:
        try:
            self.consumer.close()
        except (KafkaException, RuntimeError) as exc:
            log.warning("consumer close failed", extra={"error": str(exc)})
        try:
            self.producer.flush(10)  # nothing is pending outside transactions; this is tidiness
        except KafkaException as exc:
            log.warning("producer flush failed", extra={"error": str(exc)})
        log.info("validate stage stopped")

    def _init_transactions(self) -> None:
        while True:
            try:
                self.producer.init_transactions(TXN_TIMEOUT_S)
                return
            except KafkaException as exc:
                err = _kafka_error(exc)
                if err is None or err.fatal() or not err.retriable():
                    raise self._fatal("init_transactions", exc) from exc
                delay = self._backoff.next_delay()
                log.warning("init_transactions failed, retrying", extra={"error": str(exc), "delay_s": delay})
                if self.shutdown.wait(delay):
                    raise FatalKafkaError("shut down before Kafka transactions could start") from exc

    def _fatal(self, where: str, exc: BaseException) -> FatalKafkaError:
        log.error("fatal Kafka error, stopping", extra={"where": where, "error": str(exc)})
        return FatalKafkaError(f"fatal Kafka error in {where}: {exc}")

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assigned.update((p.topic, p.partition) for p in partitions)
        log.info("partitions assigned", extra={"partitions": [p.partition for p in partitions]})

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assigned.difference_update((p.topic, p.partition) for p in partitions)
        log.info("partitions revoked", extra={"partitions": [p.partition for p in partitions]})

    # -- one batch ---------------------------------------------------------------------------
    def _handle_batch(self, messages: list[Message]) -> None:
        records: list[Message] = []
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.fatal():
                    raise self._fatal("consume", KafkaException(err))
                if err.code() != KafkaError._PARTITION_EOF:
                    log.warning("consume error", extra={"error": str(err)})
                continue
            # A rebalance during consume() may have revoked a partition: its new owner redoes it.
            if (msg.topic(), msg.partition()) in self._assigned:
                records.append(msg)
        if not records:
            return
        started = time.monotonic()
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        while True:
            try:
                tally = self._transaction(records)
            except (KafkaException, TenantStoreError, BufferError) as exc:
                self._abort_and_rewind(records, exc)
                if self.shutdown.wait(self._backoff.next_delay()):
                    return
                continue
            self._backoff.reset()
            self._record_metrics(tally, len(records), started)
            return

    def _transaction(self, records: list[Message]) -> Counter[tuple[str, str, str]]:
        """Produce every outcome and the offsets in one transaction; returns outcome tallies."""
        producer, encode, validate = self.producer, self.codec.encode, self.validator.validate
        v1, dlq = self.topics.v1, self.topics.dlq
        tally: Counter[tuple[str, str, str]] = Counter()
        v1_by_type: dict[str, int] = {}
        positions: dict[int, int] = {}  # partition of the raw topic -> next offset
        self.validator.counts.clear()
        producer.begin_transaction()
        for msg in records:
            outcome = validate(msg.value())
            if type(outcome) is Valid:
                event = outcome.event
                # Equal to the raw key, unless the session id had to be pseudonymised (it held PII).
                key: bytes | None = f"{event['tenantId']}:{event['sessionId']}".encode()
                try:
                    topic, value = v1, encode(event)
                    event_type = event["eventType"]
                    v1_by_type[event_type] = v1_by_type.get(event_type, 0) + 1
                except SchemaError as exc:  # a validator/schema mismatch: keep the record, say why
                    topic, value = dlq, orjson.dumps(_encode_failed(event, exc))
                    tally[("dlq", "encode_failed", event["eventType"])] += 1
            else:
                assert isinstance(outcome, DeadLetter)
                topic, value, key = dlq, orjson.dumps(outcome.record), msg.key()
                label = outcome.event_type if outcome.event_type in CATALOG else "unknown"
                tally[("dlq", outcome.reason, label or "unknown")] += 1
            self._produce(topic, value, key)
            partition, offset = msg.partition(), msg.offset()
            assert partition is not None and offset is not None  # set on every consumed record
            positions[partition] = offset + 1
        for event_type, n in v1_by_type.items():
            tally[("v1", "", event_type)] = n
        raw = self.topics.raw
        offsets = [TopicPartition(raw, p, o) for p, o in positions.items()]
        producer.send_offsets_to_transaction(offsets, self.consumer.consumer_group_metadata(),
                                             TXN_TIMEOUT_S)
        self._commit()
        return tally

    def _produce(self, topic: str, value: bytes, key: bytes | None) -> None:
        while True:
            try:
                self.producer.produce(topic, value, key)
                return
            except BufferError:
                self.producer.poll(0.05)  # local queue full: let deliveries drain

    def _commit(self) -> None:
        for _attempt in range(5):
            try:
                self.producer.commit_transaction(TXN_TIMEOUT_S)
                return
            except KafkaException as exc:
                err = _kafka_error(exc)
                if err is not None and err.retriable() and not err.txn_requires_abort() and not err.fatal():
                    log.warning("commit_transaction retriable error, retrying", extra={"error": str(exc)})
                    continue
                raise
        self.producer.commit_transaction(TXN_TIMEOUT_S)

    def _abort_and_rewind(self, records: list[Message], exc: BaseException) -> None:
        err = _kafka_error(exc) if isinstance(exc, KafkaException) else None
        if err is not None and err.fatal():
            raise self._fatal("transaction", exc) from exc
        log.warning("transaction failed, aborting and retrying the batch", extra={"error": str(exc)})
        metrics.TRANSACTIONS.labels("abort").inc()
        try:
            self.producer.abort_transaction(TXN_TIMEOUT_S)
        except KafkaException as abort_exc:
            abort_err = _kafka_error(abort_exc)
            if abort_err is not None and abort_err.fatal():
                raise self._fatal("abort_transaction", abort_exc) from abort_exc
            if not (abort_err is not None and abort_err.code() == KafkaError._STATE):
                log.warning("abort_transaction failed", extra={"error": str(abort_exc)})
        self.validator.counts.clear()
        # Everything before a batch's first offset was committed by an earlier transaction.
        first: dict[tuple[str, int], int] = {}
        for msg in records:
            topic, partition, offset = _where(msg)
            first[(topic, partition)] = min(first.get((topic, partition), offset), offset)
        for (topic, partition), offset in first.items():
            if (topic, partition) in self._assigned:
                try:
                    self.consumer.seek(TopicPartition(topic, partition, offset))
                except KafkaException as seek_exc:
                    log.warning("seek failed", extra={"error": str(seek_exc), "partition": partition})

    def _record_metrics(self, tally: Counter[tuple[str, str, str]], size: int, started: float) -> None:
        self.committed_records += size
        metrics.TRANSACTIONS.labels("commit").inc()
        metrics.EVENTS_IN.inc(size)
        metrics.BATCH_SIZE.observe(size)
        metrics.BATCH_SECONDS.observe(time.monotonic() - started)
        for (where, reason, event_type), n in tally.items():
            if where == "v1":
                metrics.EVENTS_OUT.labels(event_type).inc(n)
            else:
                metrics.DEAD_LETTERS.labels(reason, event_type).inc(n)
        for kind, n in self.validator.counts.items():
            metrics.REDACTIONS.labels(kind).inc(n)
        self.validator.counts.clear()


def build_stage(settings: Settings, shutdown: Shutdown) -> tuple[ValidateStage, TenantDirectory]:
    tenants = TenantDirectory(settings.database_url, settings.db, TenantSecrets.from_settings(settings))
    validator = Validator(tenants, settings.retention_days,
                          max_record_bytes=settings.bridge.max_event_bytes + RECORD_SLACK_BYTES)
    codec = V1Codec.from_settings(settings)
    codec.warm()  # compile every type's encoder now, not inside the first transactions
    return ValidateStage(settings, shutdown, validator, codec), tenants


def run(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; metrics on ``settings.ports.validate_metrics``.

    Raises FatalKafkaError (exit 2 through the CLI) on fatal Kafka errors.
    """
    shutdown = Shutdown().install()
    serve_metrics(settings.ports.validate_metrics)
    stage, tenants = build_stage(settings, shutdown)
    try:
        stage.run()
    finally:
        tenants.close()
