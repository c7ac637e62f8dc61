"""The bridge's Kafka producer: a whole request is produced at once and awaited once.

``send`` queues every record of a request with one shared delivery callback and awaits a future
that the last delivery report resolves. Delivery reports are served on the event loop itself by
one pump task: ``poll(0)`` every millisecond (libuv's timer resolution) while requests wait,
otherwise when woken or every 50 ms. No poll thread competes for the GIL and no report crosses
threads (measured: 114k -> 181k events/s at peak). A health thread checks Kafka every second.

Any failure (queue full, delivery error, timeout, Kafka known to be unreachable) raises
:class:`Unavailable`, and then nothing of that request counts as accepted: the client retries
the whole request and ``eventId`` lets downstream stages drop the duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from interlog.settings import Settings
from producers.bridge.exceptions import Unavailable
from producers.bridge.metrics import DELIVERY_FAILURES, KAFKA_READY, PRODUCER_QUEUE

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2
# Readiness fails once the local queue holds this share of its bound.
READY_QUEUE_SHARE = 0.8
# Pump intervals: while requests wait for acknowledgements, and when there is nothing to wait for.
BUSY_POLL_S = 0.001
IDLE_POLL_S = 0.05
# How long a producer replaced after a fatal error is still polled for its last reports.
RETIRED_GRACE_S = 10.0


def producer_config(settings: Settings) -> dict[str, Any]:
    """librdkafka settings: idempotent, ``acks=all``, lz4, a small linger, bounded queue."""
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "client.id": f"interlog-bridge-{settings.instance_id}",
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": "lz4",
        "linger.ms": 2,
        "batch.num.messages": 10_000,
        "queue.buffering.max.messages": settings.bridge.producer_queue_max,
        "queue.buffering.max.kbytes": 512 * 1024,
        "message.timeout.ms": int(settings.bridge.produce_timeout_s * 1000),
        "reconnect.backoff.max.ms": 1000,
        "socket.connection.setup.timeout.ms": 3000,
    }


class _RequestAck:
    """Counts the delivery reports of one request; resolves its future after the last one.
    Called by ``poll``/``flush`` on the event loop's thread only."""

    __slots__ = ("error", "future", "remaining")

    def __init__(self, count: int, future: asyncio.Future[None]) -> None:
        self.remaining = count
        self.error: KafkaError | None = None
        self.future = future

    def __call__(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self.error = err
        self.remaining -= 1
        if self.remaining == 0 and not self.future.done():
            self.future.set_result(None)


class RawEventSink:
    """Produces raw-topic records for the bridge (lazy: nothing connects before :meth:`start`).

    :meth:`start`, :meth:`send` and :meth:`close` run on the event loop."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._topic = settings.topics.raw
        self._queue_max = settings.bridge.producer_queue_max
        self._timeout_s = settings.bridge.produce_timeout_s
        self._producer: Producer | None = None
        self._retired: list[tuple[Producer, float]] = []
        self._stop = threading.Event()
        self._health: threading.Thread | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._waiting = 0
        self._wake = asyncio.Event()
        self._fatal = False
        self._last_logged: dict[str, float] = {}
        self.kafka_ok = False

    def start(self) -> None:
        """Create the producer, start the delivery pump and the Kafka health check."""
        self._producer = self._new_producer()
        PRODUCER_QUEUE.set_function(self.queue_depth)
        self._check_kafka(timeout_s=5.0)  # so the first requests do not see "unavailable"
        self._pump_task = asyncio.get_running_loop().create_task(self._pump(), name="bridge-pump")
        self._health = threading.Thread(target=self._health_loop, name="bridge-health", daemon=True)
        self._health.start()

    async def close(self, timeout_s: float = 30.0) -> int:
        """Stop the pump and the health check and flush; returns the messages left undelivered."""
        self._stop.set()
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
        if self._health is not None:
            await asyncio.to_thread(self._health.join, 5.0)
        if self._producer is None:
            return 0
        left: int = self._producer.flush(timeout_s)
        return left

    def _new_producer(self) -> Producer:
        conf = producer_config(self._settings)
        conf["error_cb"] = self._on_error
        return Producer(conf)

    def _replace_fatally_failed_producer(self) -> None:
        """A fatal error (e.g. the idempotent producer's state is lost) leaves the client unusable:
        start a new one. The old one's pending messages fail, so their requests get 503; it is
        polled for those reports a little longer."""
        old, self._producer = self._producer, self._new_producer()
        self._fatal = False
        if old is not None:
            old.purge()
            self._retired.append((old, time.monotonic() + RETIRED_GRACE_S))
        log.warning("replaced the Kafka producer after a fatal error")

    def queue_depth(self) -> int:
        return len(self._producer) if self._producer is not None else 0

    def ready(self) -> bool:
        """Kafka answered its last metadata request and the local queue is below its bound."""
        return self.kafka_ok and self.queue_depth() < self._queue_max * READY_QUEUE_SHARE

    def _on_error(self, err: KafkaError) -> None:
        if err.code() == KafkaError._ALL_BROKERS_DOWN or err.fatal():
            self.kafka_ok = False
            KAFKA_READY.set(0)
        if err.fatal():
            self._fatal = True
        # librdkafka repeats connection errors every reconnect: log each kind once per 10 s
        now = time.monotonic()
        if now - self._last_logged.get(err.name(), -1e9) >= 10.0:
            self._last_logged[err.name()] = now
            log.warning("kafka error", extra={"error": err.str(), "fatal": err.fatal()})

    async def _pump(self) -> None:
        """Serve delivery reports and error callbacks on the event loop."""
        while True:
            try:
                self._serve_reports()
            except Exception:  # never let the pump die: every waiting request would time out
                log.exception("delivery pump error")
            if self._waiting:
                await asyncio.sleep(BUSY_POLL_S)
            else:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE_POLL_S):
                        await self._wake.wait()

    def _serve_reports(self) -> None:
        if self._fatal:
            self._replace_fatally_failed_producer()
        producer = self._producer
        if producer is not None:
            producer.poll(0)
        if self._retired:
            self._poll_retired()

    def _poll_retired(self) -> None:
        now = time.monotonic()
        for old, deadline in list(self._retired):
            old.poll(0)
            if len(old) == 0 or now >= deadline:
                self._retired.remove((old, deadline))

    def _check_kafka(self, timeout_s: float) -> None:
        producer = self._producer
        assert producer is not None
        try:
            # All topics (no name): asking for one topic could auto-create it on the broker.
            producer.list_topics(timeout=timeout_s)
            ok = True
        except KafkaException:
            ok = False
        if ok != self.kafka_ok:
            log.info("kafka reachability changed", extra={"reachable": ok})
        self.kafka_ok = ok
        KAFKA_READY.set(1 if ok else 0)

    def _health_loop(self) -> None:
        while not self._stop.wait(1.0):
            self._check_kafka(timeout_s=2.0)

    async def send(self, records: Sequence[tuple[bytes, bytes]]) -> None:
        """Produce ``records`` (key, value) and return once Kafka acknowledged all of them."""
        producer = self._producer
        if producer is None or not self.kafka_ok:
            raise Unavailable("kafka unavailable", retry_after_s=RETRY_AFTER_S)
        if len(producer) + len(records) > self._queue_max:
            raise Unavailable("producer queue full", retry_after_s=RETRY_AFTER_S)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ack = _RequestAck(len(records), future)
        messages = [{"key": key, "value": value} for key, value in records]
        try:
            # One call for the whole request: measured 2.5x cheaper per message than produce().
            queued = producer.produce_batch(self._topic, messages, on_delivery=ack)
        except BufferError:
            raise Unavailable("producer queue full", retry_after_s=RETRY_AFTER_S) from None
        except KafkaException as exc:
            raise Unavailable(f"kafka produce failed: {exc}", retry_after_s=RETRY_AFTER_S) from None
        if queued != len(messages):
            # Some were not queued (queue full): their reports never come, so do not wait.
            raise Unavailable("producer queue full", retry_after_s=RETRY_AFTER_S)
        self._waiting += 1
        self._wake.set()
        try:
            async with asyncio.timeout(self._timeout_s + 1.0):
                await future
        except TimeoutError:
            raise Unavailable("kafka acknowledgement timed out", retry_after_s=RETRY_AFTER_S) from None
        finally:
            self._waiting -= 1
        if ack.error is not None:
            DELIVERY_FAILURES.inc()
            raise Unavailable(f"kafka delivery failed: {ack.error.str()}", retry_after_s=RETRY_AFTER_S)
