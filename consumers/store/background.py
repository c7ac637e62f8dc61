"""One batch in flight: the store writes batch N on its own connection in a worker thread while the
consumer thread fetches, decodes and prepares batch N+1 (``prepare.py``: rows and aggregate
deltas), so PostgreSQL and Python use both cores and the worker thread, which mostly waits on the
server, rarely needs the GIL.

At most one batch is in flight, and the consumer thread collects its outcome before submitting the
next one, so batches of a partition commit in order; a failed batch makes the stage drop the
prepared one too and resynchronise from the stored offsets.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import psycopg

from consumers.store.dlq import DlqSender
from consumers.store.prepare import PreparedEvents, prepare_events
from consumers.store.records import TriagedBatch
from consumers.store.writer import FastPathGate, WriteResult, write_prepared
from interlog.db import LazyConnection
from interlog.partitions import PartitionCatalog
from interlog.settings import Settings


@dataclass
class Outcome:
    batch: TriagedBatch
    records: int  # Kafka records the batch covers (events + DLQ)
    seconds: float  # wall time from submission to commit
    result: WriteResult | None = None
    error: BaseException | None = None


class BackgroundWriter:
    """Runs :func:`write_batch` (and the DLQ sends before it) in a single worker thread."""

    def __init__(self, settings: Settings, group_id: str, topic: str) -> None:
        self._settings = settings
        self._group_id = group_id
        self._topic = topic
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._dlq = DlqSender(settings)
        self._partitions = PartitionCatalog()
        self._gate = FastPathGate()
        self._db = LazyConnection(settings.database_url, settings.db, "interlog-store-writer")
        self._pending: Future[Outcome] | None = None

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def ready(self) -> bool:
        """True when a batch is in flight and finished (collecting it will not block)."""
        return self._pending is not None and self._pending.done()

    def submit(self, batch: TriagedBatch, records: int, prepared: PreparedEvents | None = None) -> None:
        """Write ``batch`` in the background; ``prepared`` is ``prepare_events(batch.events)`` when
        the caller made it already (the stage does, on its own thread)."""
        if self._pending is not None:
            raise RuntimeError("a batch is already in flight; collect it first")
        ready = prepared if prepared is not None else prepare_events(batch.events)
        self._pending = self._executor.submit(self._write, batch, ready, records, time.perf_counter())

    def collect(self) -> Outcome | None:
        """Wait for the in-flight batch (None if there is none) and return its outcome."""
        if self._pending is None:
            return None
        pending, self._pending = self._pending, None
        return pending.result()

    def reset(self) -> None:
        """After a failure: new connection and partition cache on the next batch."""
        self._partitions.forget()
        self._db.drop()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.collect()
        self._executor.shutdown(wait=True)
        self._dlq.close()
        self._db.drop()

    def _write(self, batch: TriagedBatch, prepared: PreparedEvents, records: int,
               started: float) -> Outcome:
        outcome = Outcome(batch, records, 0.0)
        try:
            if batch.dlq:
                self._dlq.send(batch.dlq)
            outcome.result = write_prepared(self._db.get(), prepared, batch.claims,
                                            self._group_id, self._topic, self._partitions,
                                            self._gate)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer thread, which decides
            outcome.error = exc
            if isinstance(exc, psycopg.Error):
                self.reset()
        outcome.seconds = time.perf_counter() - started
        return outcome
