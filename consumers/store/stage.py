"""The store stage (``interlog consume store``): v1 topic -> PostgreSQL, exactly once.

Consumer group ``interlog-store`` (tests with their own topics get ``interlog-store.<topic>`` so
they never rebalance each other), ``read_committed``, cooperative-sticky assignment, static
membership (``group.instance.id`` from ``INTERLOG_INSTANCE_ID``). Records are buffered up to
``StoreTuning.batch_max_records`` or ``linger_s``, decoded and prepared here (``prepare.py``: COPY
rows and aggregate deltas), then written by :func:`~consumers.store.writer.write_prepared` in one
transaction together with the offsets, on a worker thread (``background.py``: one batch in flight
while the next is fetched, decoded and prepared). Offsets live in
Postgres: on assignment the stage reads them and assigns from there; Kafka commits are for lag
monitoring only. Memory is bounded by two batches plus librdkafka's prefetch queue.

On any failed batch (Postgres down, offset compare-and-set lost, DLQ not acknowledged) the stage
drops the batch, pauses its partitions, and retries with capped exponential backoff and jitter
until it can read the stored offsets again; it then seeks every partition to its stored offset and
resumes, so nothing is lost or counted twice. SIGTERM finishes the current batch, commits and
closes the consumer (a static member does not send LeaveGroup: its partitions move after
``session_timeout_ms``, while a restart with the same ``INTERLOG_INSTANCE_ID`` keeps them).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, TopicPartition

from consumers.runtime import Backoff, Shutdown, consumer_config
from consumers.store import metrics
from consumers.store.background import BackgroundWriter, Outcome
from consumers.store.exceptions import OffsetConflictError, StoreError
from consumers.store.health import StateLog
from consumers.store.prepare import prepare_events
from consumers.store.records import triage
from consumers.store.writer import read_offsets
from interlog.db import LazyConnection
from interlog.metrics import serve_metrics
from interlog.settings import Settings, Topics
from schemas.codec import V1Codec

log = logging.getLogger(__name__)

GROUP_ID = "interlog-store"
E2E_SAMPLES = 100


@dataclass(frozen=True)
class StoreTuning:
    """Batching and retry knobs (defaults suit the local stack)."""

    batch_max_records: int = 10_000  # bigger batches merge more aggregate deltas per upsert row
    linger_s: float = 0.1  # flush a partial batch after this long (a backlog fills batches anyway)
    backoff_cap_s: float = 10.0
    session_timeout_ms: int = 10_000  # static members are replaced after this long when gone
    prefetch_kbytes: int = 16_384  # librdkafka's local queue of fetched records


def group_id_for(settings: Settings) -> str:
    """``interlog-store`` for the contract topic; a per-topic group for any other topic."""
    return GROUP_ID if settings.topics.v1 == Topics.v1 else f"{GROUP_ID}.{settings.topics.v1}"


class StoreStage:
    def __init__(self, settings: Settings, shutdown: Shutdown, tuning: StoreTuning | None = None) -> None:
        self._settings = settings
        self._shutdown = shutdown
        self._tuning = tuning or StoreTuning()
        self._topic = settings.topics.v1
        self._group_id = group_id_for(settings)
        self._codec = V1Codec.from_settings(settings)
        self._writer = BackgroundWriter(settings, self._group_id, self._topic)
        self._db = LazyConnection(settings.database_url, settings.db, "interlog-store")
        self._consumer: Consumer | None = None
        self._expected: dict[int, int | None] = {}  # owned partition -> stored next offset
        self._buffer: list[Message] = []
        self._buffer_started = 0.0
        self._resync_needed = False
        self._db_state = StateLog(log, "postgres")
        self._kafka_state = StateLog(log, "kafka")

    # --- lifecycle -------------------------------------------------------------------------
    def run(self) -> None:
        config = consumer_config(
            self._settings, self._group_id,
            **{"session.timeout.ms": self._tuning.session_timeout_ms,
               "group.instance.id": f"{GROUP_ID}-{self._settings.instance_id}",
               # prefetch bound: with the batch buffer and the batch in flight, this bounds memory
               "queued.max.messages.kbytes": self._tuning.prefetch_kbytes},
        )
        consumer = self._consumer = Consumer(config)
        consumer.subscribe([self._topic], on_assign=self._on_assign, on_revoke=self._on_revoke,
                           on_lost=self._on_revoke)
        log.info("store stage started", extra={"topic": self._topic, "group": self._group_id})
        try:
            while not self._shutdown.requested:
                if self._resync_needed:
                    self._resync()
                    continue
                self._poll()
                if self._writer.ready():
                    self._collect()
                if self._buffer and (
                    len(self._buffer) >= self._tuning.batch_max_records
                    or time.monotonic() - self._buffer_started >= self._tuning.linger_s
                ):
                    self._flush()
            if not self._resync_needed:
                self._flush()  # finish the current batch before leaving
            self._collect()
        finally:
            self._writer.close()
            consumer.close()
            self._db.drop()
            log.info("store stage stopped")

    # --- rebalance callbacks (run inside consume()) -----------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        numbers = [tp.partition for tp in partitions]
        stored = self._stored_offsets_blocking(numbers)
        if stored is None:  # shutting down before Postgres came back: consume nothing from them
            consumer.incremental_assign(partitions)
            consumer.pause(partitions)
            return
        for tp in partitions:
            tp.offset = stored.get(tp.partition, OFFSET_BEGINNING)
            self._expected[tp.partition] = stored.get(tp.partition)
        consumer.incremental_assign(partitions)
        log.info("partitions assigned", extra={"partitions": numbers, "offsets": stored})

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._collect()  # let the in-flight batch commit before the partitions move on
        gone = {tp.partition for tp in partitions}
        for p in gone:
            self._expected.pop(p, None)
        self._buffer = [m for m in self._buffer if m.partition() not in gone]
        log.info("partitions revoked", extra={"partitions": sorted(gone)})

    def _stored_offsets_blocking(self, partitions: list[int]) -> dict[int, int] | None:
        backoff = Backoff(cap_s=self._tuning.backoff_cap_s)
        while True:
            try:
                stored = read_offsets(self._db.get(), self._group_id, self._topic, partitions)
                self._db_up()
                return stored
            except psycopg.Error as exc:
                self._db_down(exc)
            if self._shutdown.wait(backoff.next_delay()):
                return None

    # --- consuming ----------------------------------------------------------------------------
    def _poll(self) -> None:
        assert self._consumer is not None
        room = self._tuning.batch_max_records - len(self._buffer)
        wait = self._tuning.linger_s
        if self._buffer:
            wait = max(0.0, self._tuning.linger_s - (time.monotonic() - self._buffer_started))
        try:
            messages = self._consumer.consume(num_messages=max(room, 1), timeout=wait)
        except KafkaException as exc:
            self._kafka_state.down(str(exc))
            self._shutdown.wait(1.0)
            return
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                if error.code() != KafkaError._PARTITION_EOF:
                    self._kafka_state.down(error.str())
                continue
            partition, offset = message.partition(), message.offset()
            if partition not in self._expected or partition is None or offset is None:
                continue  # not (or no longer) ours
            expected = self._expected[partition]
            if expected is not None and offset < expected:
                continue  # already stored
            if not self._buffer:
                self._buffer_started = time.monotonic()
            self._buffer.append(message)
        if messages:
            self._kafka_state.up()

    def _flush(self) -> None:
        """Decode the buffered records and hand them to the writer (after the previous batch)."""
        if not self._buffer:
            return
        records, self._buffer = self._buffer, []
        batch = triage(records, self._codec.decode, self._expected, datetime.now(UTC),
                       self._settings.retention_days)
        prepared = prepare_events(batch.events)  # here, while the writer waits on PostgreSQL
        if not self._collect():
            return  # the previous batch failed: this one is dropped too, the stage resyncs
        for claim in batch.claims:  # optimistic: if this batch fails, the stage resyncs
            if claim.partition in self._expected:
                self._expected[claim.partition] = claim.next_offset
        self._writer.submit(batch, len(records), prepared)

    def _collect(self) -> bool:
        """Wait for the in-flight batch; False (and a resync scheduled) if it failed."""
        outcome = self._writer.collect()
        if outcome is None:
            return True
        error = outcome.error
        if error is None:
            self._db_up()
            self._after_commit(outcome)
            return True
        self._resync_needed = True
        if isinstance(error, OffsetConflictError):
            metrics.BATCH_FAILURES.labels("offset_conflict").inc()
            log.warning("batch rolled back: %s", error)
        elif isinstance(error, psycopg.Error):
            metrics.BATCH_FAILURES.labels("postgres").inc()
            self._db_down(error)
        elif isinstance(error, StoreError):
            metrics.BATCH_FAILURES.labels("dlq").inc()
            self._kafka_state.down(str(error))
        else:
            raise error
        return False

    def _after_commit(self, outcome: Outcome) -> None:
        result = outcome.result
        assert result is not None and self._consumer is not None
        now = datetime.now(UTC)
        metrics.BATCH_SIZE.observe(outcome.records)
        metrics.BATCH_SECONDS.observe(outcome.seconds)
        metrics.AGGREGATE_SECONDS.observe(result.aggregate_s)
        metrics.ROWS_INSERTED.inc(len(result.inserted))
        if result.inserted or result.duplicates:
            metrics.INSERT_PATH_BATCHES.labels("staged" if result.staged else "copy").inc()
        metrics.DUPLICATES_SKIPPED.inc(result.duplicates)
        # Latency histogram from an evenly spaced sample (<= E2E_SAMPLES per batch): one
        # observation per event would cost more than the rest of the bookkeeping together.
        step = max(1, len(result.inserted) // E2E_SAMPLES)
        for event in result.inserted[::step]:
            metrics.E2E_LATENCY.observe((now - event["receivedAt"]).total_seconds())
        if outcome.batch.dlq:
            log.info("records sent to the DLQ", extra={"count": len(outcome.batch.dlq)})
        offsets = [TopicPartition(self._topic, c.partition, c.next_offset) for c in outcome.batch.claims]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=True)  # informational (lag)
            for tp in offsets:
                _low, high = self._consumer.get_watermark_offsets(tp, cached=True)
                if high is not None and high >= 0:
                    metrics.LAG.labels(str(tp.partition)).set(max(0, high - tp.offset))
        except KafkaException as exc:
            log.debug("informational offset commit failed: %s", exc)

    # --- recovery -------------------------------------------------------------------------------
    def _resync(self) -> None:
        """Pause, wait for Postgres, seek every owned partition to its stored offset, resume."""
        assert self._consumer is not None
        self._collect()  # outcome irrelevant: the stored offsets are re-read below
        self._resync_needed = True
        self._buffer = []
        self._writer.reset()
        backoff = Backoff(cap_s=self._tuning.backoff_cap_s)
        while not self._shutdown.requested:
            assignment = self._consumer.assignment()
            self._consumer.pause(assignment)
            try:
                stored = read_offsets(self._db.get(), self._group_id, self._topic,
                                      [tp.partition for tp in assignment])
                for tp in assignment:
                    self._consumer.seek(TopicPartition(tp.topic, tp.partition,
                                                       stored.get(tp.partition, OFFSET_BEGINNING)))
                    self._expected[tp.partition] = stored.get(tp.partition)
            except psycopg.Error as exc:
                self._db_down(exc)
            except KafkaException as exc:
                self._kafka_state.down(str(exc))
            else:
                self._consumer.resume(assignment)
                self._db_up()
                self._resync_needed = False
                log.info("resumed from stored offsets", extra={"offsets": stored})
                return
            # serve rebalance callbacks while waiting (nothing is fetched: all paused)
            delay = backoff.next_delay()
            try:
                self._consumer.consume(num_messages=1, timeout=delay)
            except KafkaException as exc:
                self._kafka_state.down(str(exc))

    def _db_down(self, exc: BaseException) -> None:
        metrics.POSTGRES_UP.set(0)
        self._db.drop()
        self._db_state.down(f"{type(exc).__name__}: {exc}".strip())

    def _db_up(self) -> None:
        metrics.POSTGRES_UP.set(1)
        self._db_state.up()


def run(settings: Settings) -> None:
    """Entry point of ``interlog consume store``: runs until SIGTERM/SIGINT, then returns."""
    shutdown = Shutdown().install()
    serve_metrics(settings.ports.store_metrics)
    StoreStage(settings, shutdown).run()
