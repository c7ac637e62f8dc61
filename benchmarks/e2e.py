"""``interlog bench e2e``: events/s and latency from HTTP request to committed row, same run.

A bridge, a validate and a store process run on fresh topics (the stages derive their own group
ids from the topic names, so the stack's services are not disturbed).

1. Throughput: ``CLIENTS`` keep-alive connections post N distinct events (50k, 200k without
   ``--quick``) in batches of 50 events of ~400 bytes; ``e2e_events_per_s`` = accepted events /
   (time the last of them is a row in ``user_interaction_event`` - time the first was sent).
2. Latency: one 10-event batch, each batch a new session of a separate tenant, every 50 ms
   (about 200 events/s); a poller sees when each session's 10 rows are committed. p50/p99 over
   the batches, from the request's start to the poll that saw them (poll interval 20 ms).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import threading
import time
import uuid

import httpx
import orjson
import psycopg

from benchmarks.bridge import BATCH_EVENTS, _free_port, bench_event
from benchmarks.loadgen import build_request, percentile, send_all
from cli.stack.services import Service, ServiceSpec
from cli.stack.topics import TopicSpec, ensure_topics
from interlog.keys import create_key
from interlog.settings import Settings, Topics, to_env
from producers.bridge.envelope import received_at

CLIENTS = 8
PROBE_EVENTS = 10
PROBE_INTERVAL_S = 0.05
POLL_INTERVAL_S = 0.02
DRAIN_TIMEOUT_S = 300.0


def _say(message: str) -> None:
    print(f"  e2e bench: {message}", file=sys.stderr, flush=True)


def _count(conn: psycopg.Connection[tuple[object, ...]], tenant: str) -> int:
    row = conn.execute(
        "SELECT count(*) FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,)
    ).fetchone()
    return int(str(row[0])) if row else 0


def _throughput(settings: Settings, tenant: str, key: str, events: int) -> float:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    requests = [
        build_request("127.0.0.1", settings.ports.bridge, "/v1/batch", orjson.dumps(
            {"batch": [bench_event(r) for _ in range(BATCH_EVENTS)], "sentAt": received_at()}), headers)
        for r in range(events // BATCH_EVENTS)
    ]
    started = time.monotonic()
    result = asyncio.run(send_all("127.0.0.1", settings.ports.bridge, requests, CLIENTS))
    accepted = result.ok_requests() * BATCH_EVENTS
    _say(f"{accepted:,} events accepted in {result.elapsed_s:.1f} s; waiting for the rows")
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while (stored := _count(conn, tenant)) < accepted:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {stored} of {accepted} accepted events were stored")
            time.sleep(POLL_INTERVAL_S)
    return accepted / (time.monotonic() - started)


def _latencies(settings: Settings, tenant: str, key: str, seconds: float) -> list[float]:
    sent_at: dict[str, float] = {}
    seen_at: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            while not done.is_set() or len(seen_at) < len(sent_at):
                rows = conn.execute(
                    "SELECT session_id FROM interlog.user_interaction_event WHERE tenant_id = %s"
                    " GROUP BY session_id HAVING count(*) = %s", (tenant, PROBE_EVENTS)
                ).fetchall()
                now = time.monotonic()
                for (session,) in rows:
                    seen_at.setdefault(str(session), now)
                if done.is_set() and time.monotonic() > deadline:
                    return
                time.sleep(POLL_INTERVAL_S)

    deadline = time.monotonic() + seconds + 60
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    with httpx.Client(base_url=settings.bridge_url, headers={"Authorization": f"Bearer {key}"}) as client:
        next_at = time.monotonic()
        end = next_at + seconds
        while next_at < end:
            session = f"probe-{uuid.uuid4().hex[:12]}"
            events = []
            for _ in range(PROBE_EVENTS):
                event = bench_event(0)
                event["sessionId"] = session
                events.append(event)
            started = time.monotonic()
            response = client.post("/v1/batch", content=orjson.dumps(
                {"batch": events, "sentAt": received_at()}))
            if response.status_code == 200:
                sent_at[session] = started
            next_at += PROBE_INTERVAL_S
            time.sleep(max(0.0, next_at - time.monotonic()))
    done.set()
    poller.join()
    return [seen_at[s] - sent_at[s] for s in sent_at if s in seen_at]


def _pipeline_settings(settings: Settings, tag: str) -> Settings:
    ports = dataclasses.replace(settings.ports, bridge=_free_port(), validate_metrics=_free_port(),
                                store_metrics=_free_port())
    return dataclasses.replace(
        settings,
        topics=Topics(raw=f"bench-{tag}.raw", v1=f"bench-{tag}.v1", dlq=f"bench-{tag}.dlq"),
        ports=ports,
        stack_dir=settings.stack_dir / f"bench-e2e-{tag}",
        bridge=dataclasses.replace(settings.bridge, rate_per_s=1e9, rate_burst=1e9),
    )


def run(settings: Settings, quick: bool) -> dict[str, float]:
    """Run the benchmark on the stack of ``settings``; returns the numbers (see module doc)."""
    seconds = 8.0 if quick else 20.0
    events = 50_000 if quick else 200_000
    tag = uuid.uuid4().hex[:8]
    tuned = _pipeline_settings(settings, tag)
    ensure_topics(tuned, [TopicSpec(tuned.topics.raw, 12, 3_600_000),
                          TopicSpec(tuned.topics.v1, 12, 3_600_000),
                          TopicSpec(tuned.topics.dlq, 3, 3_600_000)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOG_")}
    env.update(to_env(tuned))
    env["INTERLOG_LOG_LEVEL"] = "WARNING"
    specs = [ServiceSpec("bridge", ("bridge",), tuned.ports.bridge),
             ServiceSpec("validate", ("consume", "validate"), tuned.ports.validate_metrics),
             ServiceSpec("store", ("consume", "store"), tuned.ports.store_metrics)]
    services = [Service(spec, tuned, env) for spec in specs]
    tenant, probe_tenant = f"bench-{tag}", f"bench-probe-{tag}"
    key = create_key(settings.database_url, tenant, "write")
    probe_key = create_key(settings.database_url, probe_tenant, "write")
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
        _say(f"throughput: {events:,} events, {CLIENTS} connections, batches of {BATCH_EVENTS}")
        rate = _throughput(tuned, tenant, key, events)
        _say(f"{rate:,.0f} events/s end to end")
        _say(f"latency: a {PROBE_EVENTS}-event batch every {PROBE_INTERVAL_S * 1e3:.0f} ms")
        latencies = _latencies(tuned, probe_tenant, probe_key, seconds)
        if not latencies:
            raise RuntimeError("no probe batch was stored")
        _say(f"p50 {percentile(latencies, 0.5) * 1e3:.0f} ms, p99 {percentile(latencies, 0.99) * 1e3:.0f} ms "
             f"over {len(latencies)} batches")
    finally:
        for service in services:
            service.stop()
    return {
        "e2e_events_per_s": rate,
        "e2e_p50_latency_s": percentile(latencies, 0.5),
        "e2e_p99_latency_s": percentile(latencies, 0.99),
    }
