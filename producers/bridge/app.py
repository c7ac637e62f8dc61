"""The bridge's ASGI application (a raw ASGI callable: measured faster than Starlette here).

Order of checks for an ingest request: content type/encoding (415), declared length (413),
header/query key (401), body read with the decoded-size cap (413/400), JSON shape (400), body key
(401), batch size (413), rate limit (429), envelope checks (per-event rejections; all -> 400),
produce and await Kafka's acknowledgement (503 on any trouble), 200.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from interlog.exceptions import KeyStoreUnavailable
from interlog.key_directory import KeyDirectory, KeyGrant
from interlog.metrics import CONTENT_TYPE_LATEST, metrics_payload
from interlog.settings import Settings
from producers.bridge import envelope
from producers.bridge.auth import request_key
from producers.bridge.cors import Headers, cors_headers, preflight_headers
from producers.bridge.decoding import GZIP_SLACK_BYTES, BodyDecoder
from producers.bridge.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RequestRejected,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)
from producers.bridge.kafka_sink import RawEventSink
from producers.bridge.metrics import EVENTS_ACCEPTED, EVENTS_REJECTED, REQUEST_SECONDS, REQUESTS
from producers.bridge.openapi import openapi_json
from producers.bridge.ratelimit import RateLimiter

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

INGEST_ROUTES = {"/v1/batch": "batch", "/api/log-interaction": "batch", "/v1/event": "event"}
GET_ROUTES = ("/healthz", "/readyz", "/metrics", "/openapi.json")
_JSON = (b"content-type", b"application/json")
_ACCEPTED_TYPES = (b"", b"application/json", b"text/plain")
# A request refused before its body was read is drained (up to this many bytes) before the answer,
# so that the client, still sending, reads the 4xx instead of a broken connection.
DRAIN_LIMIT_BYTES = 8 * 1024 * 1024


class ClientGone(Exception):  # noqa: N818 - control flow, not an error
    """The client disconnected before the body was read."""


class _Exchange:
    """Per-request state: where the answer's CORS headers come from."""

    __slots__ = ("body_read", "grant", "origin")

    def __init__(self, origin: bytes | None) -> None:
        self.origin = origin
        self.grant: KeyGrant | None = None
        self.body_read = False


class BridgeApp:
    """ASGI app: ingestion routes, probes, metrics and the OpenAPI document."""

    def __init__(self, settings: Settings, sink: RawEventSink, keys: KeyDirectory) -> None:
        self._limits = settings.bridge
        self._sink = sink
        self._keys = keys
        self._limiter = RateLimiter(settings.bridge.rate_per_s, settings.bridge.rate_burst, time.monotonic)
        self._openapi = openapi_json(settings.bridge)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._keys.open()
                self._sink.start()
                gc.freeze()  # start-up objects live forever: keep them out of every GC pass
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                left = await self._sink.close()
                self._keys.close()
                log.info("bridge stopped", extra={"undelivered": left})
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        route = path if path in INGEST_ROUTES or path in GET_ROUTES else "other"
        headers = dict(scope["headers"])
        exchange = _Exchange(headers.get(b"origin"))
        try:
            status = await self._dispatch(scope, receive, send, headers, exchange, route, method)
        except RequestRejected as exc:
            status = exc.status
            if method == "POST" and not exchange.body_read:
                await _drain(receive)
            await self._reject(send, exc, exchange)
        except ClientGone:
            status = 499
        except Exception:  # a bug: answered 500 (honestly) and counted, never a crash
            log.exception("unhandled error", extra={"route": route})
            status = 500
            with contextlib.suppress(Exception):  # the response may have started already
                await _respond(send, 500, b'{"error":"internal error"}')
        REQUESTS.labels(route, str(status)).inc()
        REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes],
                        exchange: _Exchange, route: str, method: str) -> int:
        path: str = scope["path"]
        if path in INGEST_ROUTES:
            if method == "OPTIONS":
                return await self._preflight(scope, send, exchange)
            if method != "POST":
                raise MethodNotAllowed("use POST", extra={"allow": "POST, OPTIONS"})
            return await self._ingest(scope, receive, send, headers, exchange, INGEST_ROUTES[path])
        if path in GET_ROUTES:
            if method not in ("GET", "HEAD"):
                raise MethodNotAllowed("use GET", extra={"allow": "GET"})
            return await self._probe(path, send)
        raise NotFound(f"no route {path}")

    async def _probe(self, path: str, send: Send) -> int:
        if path == "/healthz":
            return await _respond(send, 200, orjson.dumps({"status": "ok"}))
        if path == "/readyz":
            ready = self._sink.ready()
            body = {"status": "ready" if ready else "not ready", "kafka": self._sink.kafka_ok,
                    "queueDepth": self._sink.queue_depth()}
            return await _respond(send, 200 if ready else 503, orjson.dumps(body))
        if path == "/metrics":
            return await _respond(send, 200, metrics_payload(),
                                  [(b"content-type", CONTENT_TYPE_LATEST.encode())])
        return await _respond(send, 200, self._openapi)

    async def _allowed_origins(self, exchange: _Exchange) -> frozenset[str]:
        if exchange.grant is not None:
            return exchange.grant.cors_origins
        return await self._keys.any_tenant_origins()

    async def _cors(self, exchange: _Exchange) -> Headers:
        if exchange.origin is None:
            return []
        return cors_headers(exchange.origin, await self._allowed_origins(exchange))

    async def _preflight(self, scope: Scope, send: Send, exchange: _Exchange) -> int:
        key = request_key(None, scope["query_string"])
        if key is not None and exchange.origin is not None:
            grant = await self._resolve(key)
            exchange.grant = grant if grant is not None and grant.kind == "write" else None
        allowed = await self._allowed_origins(exchange) if exchange.origin is not None else frozenset()
        return await _respond(send, 204, b"", preflight_headers(exchange.origin, allowed))

    async def _resolve(self, key: str) -> KeyGrant | None:
        try:
            return await self._keys.resolve(key)
        except KeyStoreUnavailable as exc:
            raise Unavailable(str(exc), retry_after_s=2) from None

    async def _authorize(self, key: str, exchange: _Exchange) -> KeyGrant:
        grant = await self._resolve(key)
        if grant is None:
            raise Unauthorized("unknown or revoked write key")
        if grant.kind != "write":
            raise Unauthorized("not a write key")
        exchange.grant = grant
        return grant

    async def _read_body(self, receive: Receive, encoding: bytes, exchange: _Exchange) -> bytes:
        decoder = BodyDecoder(encoding.decode("latin-1"), self._limits.max_body_bytes)
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                exchange.body_read = True
                raise ClientGone
            more = message.get("more_body", False)
            exchange.body_read = not more
            decoder.feed(message.get("body", b""))
        return decoder.finish()

    async def _ingest(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes],
                      exchange: _Exchange, kind: str) -> int:
        limits = self._limits
        content_type = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
        if content_type not in _ACCEPTED_TYPES:
            raise UnsupportedMediaType("Content-Type must be application/json or text/plain")
        encoding = headers.get(b"content-encoding", b"")
        declared = headers.get(b"content-length")
        wire_cap = limits.max_body_bytes + GZIP_SLACK_BYTES
        if declared is not None and declared.isdigit() and int(declared) > wire_cap:
            # refused before reading a byte of it
            raise PayloadTooLarge(f"body exceeds {limits.max_body_bytes} bytes")
        key = request_key(headers.get(b"authorization"), scope["query_string"])
        grant = await self._authorize(key, exchange) if key is not None else None
        body = await self._read_body(receive, encoding, exchange)
        parsed = envelope.parse_body(body, single_event=kind == "event")
        if grant is None:
            if parsed.write_key is None:
                raise Unauthorized("missing write key")
            grant = await self._authorize(parsed.write_key, exchange)
        events = parsed.events
        if not events:
            raise BadRequest("the batch is empty")
        if len(events) > limits.max_batch_events:
            raise PayloadTooLarge(f"batch exceeds {limits.max_batch_events} events")
        wait_s = self._limiter.take(grant.key_id, len(events))
        if wait_s > 0:
            EVENTS_REJECTED.labels("rate_limited").inc(len(events))
            raise RateLimited("rate limit exceeded for this write key", retry_after_s=math.ceil(wait_s))
        client = scope.get("client")
        user_agent = headers.get(b"user-agent")
        suffix = envelope.stamp_suffix(
            envelope.received_at(), grant.tenant_id, client[0] if client else None,
            user_agent.decode("latin-1")[:1024] if user_agent is not None else None, parsed.sent_at,
        )
        records = envelope.build_records(events, grant.tenant_id, suffix, limits.max_event_bytes)
        for reason, count in records.reasons.items():
            EVENTS_REJECTED.labels(reason).inc(count)
        if not records.accepted:
            raise BadRequest("every event was rejected",
                             extra={"accepted": 0, "rejected": records.rejected})
        try:
            await self._sink.send(records.accepted)
        except RequestRejected:
            EVENTS_REJECTED.labels("kafka_unavailable").inc(len(records.accepted))
            raise
        EVENTS_ACCEPTED.inc(len(records.accepted))
        body_out = orjson.dumps({"accepted": len(records.accepted), "rejected": records.rejected})
        return await _respond(send, 200, body_out, await self._cors(exchange))

    async def _reject(self, send: Send, exc: RequestRejected, exchange: _Exchange) -> None:
        extra_headers = await self._cors(exchange)
        if exc.retry_after_s is not None:
            extra_headers.append((b"retry-after", str(max(1, exc.retry_after_s)).encode()))
        allow = exc.extra.pop("allow", None)
        if allow is not None:
            extra_headers.append((b"allow", str(allow).encode()))
        if exc.status == 401:
            extra_headers.append((b"www-authenticate", b'Bearer realm="interlog"'))
        await _respond(send, exc.status, orjson.dumps({"error": exc.message, **exc.extra}), extra_headers)


async def _drain(receive: Receive) -> None:
    """Read and discard the rest of a request body, up to :data:`DRAIN_LIMIT_BYTES`."""
    drained = 0
    while drained <= DRAIN_LIMIT_BYTES:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return
        drained += len(message.get("body", b""))


async def _respond(send: Send, status: int, body: bytes, headers: Headers | None = None) -> int:
    all_headers = [(b"content-length", str(len(body)).encode())]
    if not headers or all(name != b"content-type" for name, _ in headers):
        all_headers.append(_JSON)
    if headers:
        all_headers.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})
    return status
