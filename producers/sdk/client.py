"""The SDK client: events are serialized at ``track`` time, queued, and sent by one thread.

A batch is sent when ``batch_size`` events are queued, when ``flush_interval_s`` passed since the
oldest queued event, or when the next event would push the batch over ``max_batch_bytes``. The
queue holds at most ``max_queue_events`` events; when full the oldest is dropped and counted.
A batch that fails with a network error, 5xx, 408 or 429 is resent with exponential backoff and
jitter (honouring ``Retry-After``) until it is delivered or the client is closed; other 4xx are
dropped with a log line. The queue is flushed at interpreter exit.
"""

from __future__ import annotations

import atexit
import gzip
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from producers.sdk.retry import backoff_s, classify, parse_retry_after

log = logging.getLogger("interlog.sdk")

_ENVELOPE_FIELDS = {
    "path": "path", "component": "component", "action": "action", "perfume_id": "perfumeId",
    "house_id": "houseId", "note_id": "noteId", "duration": "duration", "value": "value",
    "context": "context", "consent": "consent",
}
SESSION_IDLE_S = 30 * 60
SESSION_MAX_S = 24 * 3600


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ClientStats:
    """Counters of a client's life (events unless named otherwise)."""

    queued: int = 0
    accepted: int = 0
    rejected: int = 0
    dropped_queue_full: int = 0
    dropped_client_error: int = 0
    requests: int = 0
    retries: int = 0


class Client:
    """Sends events to the bridge at ``endpoint`` with ``write_key`` (Bearer auth).

    Defaults suit servers: batches of up to 100 events or 400 KB, sent at least every 1 s; at
    most 10,000 queued events; request timeout 10 s; gzip bodies over 1 KB when ``gzip``.
    """

    def __init__(self, write_key: str, endpoint: str = "http://127.0.0.1:18080", *,
                 batch_size: int = 100, flush_interval_s: float = 1.0,
                 max_batch_bytes: int = 400 * 1024, max_queue_events: int = 10_000,
                 timeout_s: float = 10.0, gzip: bool = False, backoff_base_s: float = 0.5,
                 backoff_cap_s: float = 60.0, user_id: str | None = None,
                 anonymous_id: str | None = None, context: dict[str, Any] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._url = endpoint.rstrip("/") + "/v1/batch"
        self._batch_size = batch_size
        self._interval = flush_interval_s
        self._max_bytes = max_batch_bytes
        self._max_queue = max_queue_events
        self._gzip = gzip
        self._backoff = (backoff_base_s, backoff_cap_s)
        self._http = httpx.Client(
            timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {write_key}", "Content-Type": "application/json",
                     "User-Agent": "interlog-python-sdk/1"},
        )
        self.user_id = user_id
        self.anonymous_id = anonymous_id or str(uuid.uuid4())
        self.context = context
        self._session_id = str(uuid.uuid4())
        self._session_started = self._session_seen = time.monotonic()
        self.stats = ClientStats()
        self._queue: deque[bytes] = deque()
        self._oldest_at: float | None = None
        self._in_flight = 0
        self._lock = threading.Condition()
        self._closing = False
        self._give_up_at: float | None = None
        self._close_requested = threading.Event()
        self._thread = threading.Thread(target=self._run, name="interlog-sdk", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- public API -------------------------------------------------------------------------

    def track(self, event_type: str, *, user_id: str | None = None, anonymous_id: str | None = None,
              session_id: str | None = None, timestamp: str | None = None,
              event_data: dict[str, Any] | None = None, **props: Any) -> str:
        """Queue one event; returns its ``eventId``. Envelope props (``path``, ``perfume_id``,
        ``house_id``, ``note_id``, ``duration`` (ms), ``value``, ``context``, ``consent``, ...)
        go to the envelope, any other prop into ``eventData``."""
        event_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "eventId": event_id, "eventType": event_type, "timestamp": timestamp or iso_now(),
            "sessionId": session_id or self._current_session(),
        }
        uid = user_id or self.user_id
        if uid is not None:
            event["userId"] = uid
        event["anonymousId"] = anonymous_id or self.anonymous_id
        data = dict(event_data or {})
        for name, value in props.items():
            field = _ENVELOPE_FIELDS.get(name)
            if field is not None:
                event[field] = value
            else:
                data[name] = value
        if data:
            event["eventData"] = data
        if self.context is not None and "context" not in event:
            event["context"] = self.context
        self._enqueue(orjson.dumps(event))
        return event_id

    def page(self, path: str, **props: Any) -> str:
        """A ``PAGE_VIEW`` of ``path``."""
        return self.track("PAGE_VIEW", path=path, **props)

    def identify(self, user_id: str | None) -> None:
        """Attach ``user_id`` to the following events (None: back to anonymous)."""
        self.user_id = user_id

    def flush(self, timeout_s: float | None = 30.0) -> bool:
        """Send everything queued now; True when all of it was delivered (or dropped) in time."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._lock:
            self._oldest_at = -1.0 if self._queue else None  # due now
            self._lock.notify_all()
            while self._queue or self._in_flight:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._lock.wait(remaining)
                if self._queue and self._oldest_at is not None:
                    self._oldest_at = -1.0
            return True

    def close(self, timeout_s: float = 10.0) -> None:
        """Flush for at most ``timeout_s`` (retries included), then stop the thread."""
        atexit.unregister(self.close)
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._give_up_at = time.monotonic() + timeout_s
            self._lock.notify_all()
        self._close_requested.set()
        self._thread.join(timeout_s + 5.0)
        self._http.close()
        if self._queue:
            log.warning("interlog: %d events not sent at close", len(self._queue))

    @property
    def queued(self) -> int:
        return len(self._queue)

    # -- internals --------------------------------------------------------------------------

    def _current_session(self) -> str:
        now = time.monotonic()
        if now - self._session_seen > SESSION_IDLE_S or now - self._session_started > SESSION_MAX_S:
            self._session_id = str(uuid.uuid4())
            self._session_started = now
        self._session_seen = now
        return self._session_id

    def _enqueue(self, encoded: bytes) -> None:
        with self._lock:
            if len(self._queue) >= self._max_queue:
                self._queue.popleft()
                self.stats.dropped_queue_full += 1
                if self.stats.dropped_queue_full in (1, 10, 100) or self.stats.dropped_queue_full % 1000 == 0:
                    log.warning("interlog: queue full, dropped %d oldest events so far",
                                self.stats.dropped_queue_full)
            self._queue.append(encoded)
            self.stats.queued += 1
            if self._oldest_at is None:
                self._oldest_at = time.monotonic()
            if len(self._queue) >= self._batch_size:
                self._lock.notify_all()

    def _due(self) -> bool:
        if not self._queue:
            return False
        if self._closing or len(self._queue) >= self._batch_size:
            return True
        return self._oldest_at is not None and time.monotonic() - self._oldest_at >= self._interval

    def _take_batch(self) -> list[bytes]:
        batch: list[bytes] = []
        size = 0
        while self._queue and len(batch) < self._batch_size:
            nxt = len(self._queue[0]) + 1
            if batch and size + nxt > self._max_bytes:
                break
            batch.append(self._queue.popleft())
            size += nxt
        self._oldest_at = time.monotonic() if self._queue else None
        return batch

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._due():
                    if self._closing and not self._queue:
                        return
                    wait = self._interval
                    if self._oldest_at is not None and self._oldest_at >= 0:
                        wait = max(0.0, self._interval - (time.monotonic() - self._oldest_at))
                    self._lock.wait(wait)
                batch = self._take_batch()
                self._in_flight = len(batch)
            try:
                self._deliver(batch)
            finally:
                with self._lock:
                    self._in_flight = 0
                    self._lock.notify_all()

    def _body(self, batch: list[bytes]) -> tuple[bytes, dict[str, str]]:
        body = b'{"batch":[' + b",".join(batch) + b'],"sentAt":"' + iso_now().encode() + b'"}'
        if self._gzip and len(body) > 1024:
            return gzip.compress(body, compresslevel=5), {"Content-Encoding": "gzip"}
        return body, {}

    def _deliver(self, batch: list[bytes]) -> None:
        attempt = 0
        while True:
            body, headers = self._body(batch)
            status: int | None = None
            retry_after: float | None = None
            response: httpx.Response | None = None
            try:
                self.stats.requests += 1
                response = self._http.post(self._url, content=body, headers=headers)
                status = response.status_code
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            except httpx.HTTPError as exc:
                log.info("interlog: send failed: %s", exc)
            outcome = classify(status)
            if outcome == "delivered" and response is not None:
                self._count_delivered(response, len(batch))
                return
            if outcome == "drop":
                self.stats.dropped_client_error += len(batch)
                text = response.text[:300] if response is not None else ""
                log.warning("interlog: batch of %d events dropped: HTTP %s %s", len(batch), status, text)
                return
            attempt += 1
            delay = backoff_s(attempt, retry_after, *self._backoff)
            with self._lock:
                if self._give_up_at is not None and time.monotonic() + delay > self._give_up_at:
                    log.warning("interlog: giving up on %d events at close (last status %s)",
                                len(batch), status)
                    return
                self.stats.retries += 1
                closing = self._closing
            if closing:
                time.sleep(delay)
            else:
                self._close_requested.wait(delay)  # close() cuts a long backoff short

    def _count_delivered(self, response: httpx.Response, sent: int) -> None:
        try:
            doc = orjson.loads(response.content)
            accepted = int(doc.get("accepted", sent))
            rejected = doc.get("rejected") or []
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            accepted, rejected = sent, []
        self.stats.accepted += accepted
        self.stats.rejected += len(rejected)
        if rejected:
            log.warning("interlog: %d events rejected, first: %s", len(rejected), rejected[0])
