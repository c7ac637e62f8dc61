"""``interlog bench bridge``: events/s through a real bridge process vs raw librdkafka, same run.

1. A fresh raw topic (3 partitions) and a write key of tenant ``bench``; a bridge child process
   on a free port with the rate limit lifted.
2. Peak: ``CLIENTS`` keep-alive connections post batches of 50 events of ~400 bytes as fast as
   they are answered; accepted events/s, p50/p99 request latency, bridge peak RSS.
3. Half load: the same connections paced to half the peak request rate; p99 latency.
4. The physical ceiling: the same event payloads (stamped, as the bridge writes them) produced
   from this one process with ``acks=all``, idempotence and lz4, as fast as librdkafka takes them.

Progress goes to stderr. Numbers are noisy on a shared 2-core machine (the load generator, the
bridge and the broker share the cores).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from benchmarks.loadgen import build_request, percentile, run_load
from cli.stack.topics import TopicSpec, ensure_topics
from interlog.keys import create_key
from interlog.settings import Settings, Topics, to_env
from producers.bridge.envelope import received_at, stamp_suffix
from producers.bridge.kafka_sink import producer_config

BATCH_EVENTS = 50
CLIENTS = 16
DISTINCT_BODIES = 40


def _say(message: str) -> None:
    print(f"  bridge bench: {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_event(session: int) -> dict[str, Any]:
    """One event of about 400 bytes as JSON (a perfume view with context)."""
    return {
        "eventId": str(uuid.uuid4()), "eventType": "PERFUME_VIEW", "timestamp": received_at(),
        "sessionId": f"bench-session-{session:06d}", "anonymousId": f"anon-{uuid.uuid4().hex}",
        "path": "/perfumes/maison-francis-kurkdjian-baccarat-rouge-540", "perfumeId": "mfk-br540",
        "houseId": "maison-francis-kurkdjian", "duration": 5321,
        "eventData": {"source": "search", "position": 3, "listName": "trending this week"},
        "context": {"deviceType": "desktop", "locale": "en-US", "timezone": "Europe/Paris",
                    "viewport": {"width": 1440, "height": 900}},
    }


def _bodies() -> list[bytes]:
    return [
        orjson.dumps({"batch": [bench_event(b * BATCH_EVENTS + i) for i in range(BATCH_EVENTS)],
                      "sentAt": received_at()})
        for b in range(DISTINCT_BODIES)
    ]


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of ``pid`` in MB, from /proc."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in values:
            values[name] = float(rest.split()[0]) / 1024.0
    return values["VmRSS"], values["VmHWM"]


def _start_bridge(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOG_")}
    env.update(to_env(settings))
    env["INTERLOG_LOG_LEVEL"] = "WARNING"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "bridge"], env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the bridge exited during start-up; see {log_path}")
        try:
            if httpx.get(settings.bridge_url + "/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the bridge did not become ready; see {log_path}")


def _drive(settings: Settings, key: str, seconds: float, rate_per_client: float = 0.0) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    requests = [build_request("127.0.0.1", settings.ports.bridge, "/v1/batch", body, headers)
                for body in _bodies()]
    result = asyncio.run(run_load("127.0.0.1", settings.ports.bridge, requests, CLIENTS, seconds,
                                  rate_per_client))
    ok = result.ok_requests()
    others = {s: n for s, n in result.statuses.items() if s != 200}
    if others:
        _say(f"non-200 answers: {others}")
    return {
        "requests_per_s": ok / result.elapsed_s,
        "events_per_s": ok * BATCH_EVENTS / result.elapsed_s,
        "p50_s": percentile(result.latencies_s, 0.50),
        "p99_s": percentile(result.latencies_s, 0.99),
    }


def raw_produce_rate(settings: Settings, seconds: float) -> float:
    """Events/s librdkafka takes (acks=all, idempotent, lz4) from one process, flush included."""
    suffix = stamp_suffix(received_at(), "bench", "127.0.0.1", "bench/1", received_at())
    values = [orjson.dumps(bench_event(i))[:-1] + suffix for i in range(2000)]
    keys = [f"bench:bench-session-{i:06d}".encode() for i in range(2000)]
    conf = producer_config(settings)
    producer = Producer(conf)
    topic = settings.topics.raw
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for i in range(2000):
            while True:
                try:
                    producer.produce(topic, values[i], keys[i])
                    break
                except BufferError:  # queue at its bound: let deliveries drain it
                    producer.poll(0.005)
            sent += 1
        producer.poll(0)
    left = producer.flush(60)
    elapsed = time.perf_counter() - started
    return (sent - left) / elapsed


def run(settings: Settings, quick: bool) -> dict[str, float]:
    """Run the benchmark against the stack of ``settings``; returns the numbers (see module doc)."""
    seconds = 8.0 if quick else 20.0
    tag = uuid.uuid4().hex[:8]
    topic = f"bench-{tag}.raw"
    tuned = dataclasses.replace(
        settings,
        topics=dataclasses.replace(Topics(), raw=topic),
        ports=dataclasses.replace(settings.ports, bridge=_free_port()),
        bridge=dataclasses.replace(settings.bridge, rate_per_s=1e9, rate_burst=1e9),
    )
    ensure_topics(tuned, [TopicSpec(topic, 3, 3_600_000)])
    key = create_key(settings.database_url, "bench", "write")
    log_path = settings.stack_dir / f"bench-bridge-{tag}.log"
    settings.stack_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, float] = {}
    proc = _start_bridge(tuned, log_path)
    try:
        _say("warming up")
        _drive(tuned, key, 2.0)
        _say(f"peak load, {CLIENTS} connections, batches of {BATCH_EVENTS}, {seconds:.0f} s")
        peak = _drive(tuned, key, seconds)
        _say(f"peak {peak['events_per_s']:,.0f} events/s, p50 {peak['p50_s'] * 1e3:.1f} ms, "
             f"p99 {peak['p99_s'] * 1e3:.1f} ms")
        half_rate = peak["requests_per_s"] / 2 / CLIENTS
        half = _drive(tuned, key, seconds / 2, rate_per_client=half_rate)
        _say(f"half load {half['events_per_s']:,.0f} events/s, p50 {half['p50_s'] * 1e3:.1f} ms, "
             f"p99 {half['p99_s'] * 1e3:.1f} ms")
        rss, peak_rss = _rss_mb(proc.pid)
        results.update({
            "bridge_events_per_s": peak["events_per_s"],
            "bridge_p50_latency_s": peak["p50_s"],
            "bridge_p99_latency_s": peak["p99_s"],
            "bridge_half_load_events_per_s": half["events_per_s"],
            "bridge_p50_latency_half_load_s": half["p50_s"],
            "bridge_p99_latency_half_load_s": half["p99_s"],
            "bridge_rss_mb": rss,
            "bridge_peak_rss_mb": peak_rss,
        })
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            results["bridge_exit_code"] = float(proc.wait(timeout=60))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            results["bridge_exit_code"] = -9.0
    if results.get("bridge_exit_code") == 0.0:
        log_path.unlink(missing_ok=True)  # kept only when something went wrong
    _say(f"raw librdkafka produce, one process, {seconds / 2:.0f} s")
    raw = raw_produce_rate(tuned, seconds / 2)
    _say(f"raw {raw:,.0f} events/s")
    results["raw_produce_events_per_s"] = raw
    results["bridge_to_raw_ratio"] = results["bridge_events_per_s"] / raw if raw else 0.0
    AdminClient({"bootstrap.servers": settings.kafka_bootstrap}).delete_topics([topic])
    return results
