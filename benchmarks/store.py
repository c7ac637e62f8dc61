"""``interlog bench store``: events/s from a pre-filled v1 topic into Postgres with all aggregates,
and in the same run the raw binary COPY rate of the same rows into the same partitioned table.

1. Produce N realistic events (``sample_events``, encoded with ``V1Codec``) to a fresh 12-partition
   v1 topic (streamed: the bench never holds all N events).
2. Run the real :class:`~consumers.store.stage.StoreStage` in this process and time it from its
   first committed batch to the batch that stores the last offset (group join excluded):
   ``store_events_per_s`` (one stage process, the headline number).
3. Regenerate the same events (same seed) under a fresh tenant and COPY them straight into
   ``interlog.user_interaction_event`` (same table and indexes, same rows built the same way, one
   transaction per batch of the stage's batch size, as the stage must commit per batch), once
   before and once after step 2: ``raw_copy_rows_per_s`` (their mean), the physical ceiling of
   one writer.
4. The same as 2 with ``PROCESSES`` stage processes in one consumer group on a third topic and
   tenant (the machine's cores; the topic has 12 partitions): ``store_<n>proc_events_per_s``.

Progress goes to stderr. ``python -m benchmarks.store --profile [--quick]`` runs the same with
pyinstrument around the stage and prints where the time goes.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import resource
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from confluent_kafka import Producer

from benchmarks.stored_events import sample_events
from cli.stack.topics import TopicSpec, ensure_topics
from consumers.runtime import Shutdown
from consumers.store import sql
from consumers.store.rows import DIRECT_DUMPERS, TARGET_TYPES, event_row
from consumers.store.stage import StoreStage, StoreTuning, group_id_for
from consumers.store.writer import OffsetClaim, write_batch
from interlog.partitions import PartitionCatalog
from interlog.settings import Settings, Topics, load_settings
from schemas.codec import V1Codec

PARTITIONS = 12
#: Stage processes of the multi-process measurement (this machine has 2 cores).
PROCESSES = max(2, min(4, os.cpu_count() or 2))


def _say(message: str) -> None:
    print(f"  store: {message}", file=sys.stderr, flush=True)


def _events(count: int, tenant: str, seed: int) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    return sample_events(count, tenant, now - timedelta(days=30), timedelta(days=30) - timedelta(hours=1),
                         seed=seed)


def _fresh_settings(settings: Settings) -> Settings:
    tag = uuid.uuid4().hex[:8]
    topics = Topics(raw=f"bench-{tag}.raw", v1=f"bench-{tag}.v1", dlq=f"bench-{tag}.dlq")
    fresh = dataclasses.replace(settings, topics=topics, instance_id=f"bench-{tag}")
    ensure_topics(fresh, [TopicSpec(topics.v1, PARTITIONS, 86_400_000), TopicSpec(topics.dlq, 1, 86_400_000)])
    return fresh


def _prefill(settings: Settings, count: int, tenant: str, seed: int) -> float:
    codec = V1Codec.from_settings(settings)
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "acks": "all",
                         "enable.idempotence": True, "linger.ms": 50, "batch.size": 1_000_000,
                         "compression.type": "lz4"})
    started = time.perf_counter()
    for i, event in enumerate(_events(count, tenant, seed)):
        key = f"{tenant}:{event['sessionId']}".encode()
        while True:
            try:
                producer.produce(settings.topics.v1, value=codec.encode(event), key=key)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 10_000 == 0:
            producer.poll(0)
    if producer.flush(120) != 0:
        raise RuntimeError("v1 prefill not acknowledged")
    return time.perf_counter() - started


def _rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _stored_offsets(conn: psycopg.Connection[Any], group: str, topic: str) -> int:
    row = conn.execute("SELECT coalesce(sum(next_offset), 0) FROM interlog.consumer_offset"
                       " WHERE group_id = %s AND topic = %s", (group, topic)).fetchone()
    return int(row[0]) if row else 0


def _watch(settings: Settings, count: int, shutdown: Shutdown, marks: dict[str, float]) -> None:
    """Record (time, offsets) of the first commit and the time all ``count`` offsets are stored."""
    group, topic = group_id_for(settings), settings.topics.v1
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not shutdown.requested:
            done = _stored_offsets(conn, group, topic)
            now = time.perf_counter()
            if done and "first_t" not in marks:
                marks["first_t"], marks["first_n"] = now, done
            if done >= count // 2 and "rss_mid_mb" not in marks:
                marks["rss_mid_mb"] = _rss_mb()
            if done >= count:
                marks["last_t"] = now
                marks["rss_end_mb"] = _rss_mb()
                break
            time.sleep(0.05)
    shutdown.request()


def _stage_process(settings: Settings, stop: Any) -> None:
    """Child of the multi-process measurement: one more stage in the same group until ``stop``."""
    shutdown = Shutdown()

    def relay() -> None:
        stop.wait()
        shutdown.request()

    threading.Thread(target=relay, daemon=True).start()
    StoreStage(settings, shutdown).run()


def measure_store(settings: Settings, count: int, profile: bool = False,
                  processes: int = 1) -> dict[str, float]:
    """Events/s of the real stage, first commit to last (in this thread, plus ``processes - 1``
    child processes with their own static member ids; a watcher stops them)."""
    shutdown = Shutdown()
    marks: dict[str, float] = {}
    watcher = threading.Thread(target=_watch, args=(settings, count, shutdown, marks), daemon=True)
    watcher.start()
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    children = [spawn.Process(target=_stage_process, daemon=True, args=(
        dataclasses.replace(settings, instance_id=f"{settings.instance_id}-{i}"), stop))
        for i in range(1, processes)]
    for child in children:
        child.start()
    stage = StoreStage(settings, shutdown)
    try:
        if profile:
            from pyinstrument import Profiler

            with Profiler() as profiler:
                stage.run()
            profiler.print(file=sys.stderr, show_all=False)
        else:
            stage.run()
    finally:
        stop.set()
        for child in children:
            child.join(60)
    watcher.join()
    if "last_t" not in marks:
        raise RuntimeError("the store stage did not store every record in time")
    rate = (count - marks["first_n"]) / max(marks["last_t"] - marks["first_t"], 1e-9)
    return {"store_events_per_s": rate, "store_rss_mb_at_half": marks["rss_mid_mb"],
            "store_rss_mb_at_end": marks["rss_end_mb"]}


def measure_raw_copy(settings: Settings, count: int, tenant: str, seed: int) -> float:
    """Rows/s of a binary COPY of the same rows straight into the partitioned table (the stage's
    fast path alone: no decoding, folds, aggregates or offsets), one transaction per batch."""
    rows = [event_row(event) for event in _events(count, tenant, seed)]
    batch = StoreTuning().batch_max_records
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        PartitionCatalog().ensure(conn, (r[2] for r in rows))
        for dumper in DIRECT_DUMPERS:
            conn.adapters.register_dumper(None, dumper)
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            with conn.transaction(), conn.cursor() as cur, cur.copy(sql.COPY_EVENTS_DIRECT) as copy:
                copy.set_types(list(TARGET_TYPES))
                for row in rows[i:i + batch]:
                    copy.write_row(row)
        return len(rows) / (time.perf_counter() - started)


def measure_write_path(settings: Settings, count: int, tenant: str, seed: int) -> float:
    """Events/s of the batch writer alone (stage, COPY, INSERT, folds, upserts, offsets; no Kafka,
    no decoding), on pre-decoded events of a third tenant."""
    events = list(_events(count, tenant, seed))
    catalog = PartitionCatalog()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        catalog.ensure(conn, (e["timestamp"] for e in events))
        started = time.perf_counter()
        expected: int | None = None
        batch = StoreTuning().batch_max_records
        for i in range(0, len(events), batch):
            chunk = events[i:i + batch]
            claim = OffsetClaim(0, expected, i + len(chunk))
            write_batch(conn, chunk, [claim], f"bench-write-{tenant}", "bench-write", catalog)
            expected = claim.next_offset
        return len(events) / (time.perf_counter() - started)


def measure_decode(settings: Settings, count: int, seed: int) -> float:
    """Records/s of ``V1Codec.decode`` alone (the stage's per-record CPU floor)."""
    codec = V1Codec.from_settings(settings)
    encoded = [codec.encode(e) for e in _events(count, "bench-decode", seed)]
    started = time.perf_counter()
    for value in encoded:
        codec.decode(value)
    return len(encoded) / (time.perf_counter() - started)


def run(settings: Settings, quick: bool, profile: bool = False) -> dict[str, float]:
    """Store benchmark on the running stack; N = 50k (quick) or 200k events.

    The raw COPY ceiling is measured right before and right after the single-process stage run
    (fresh tenants, same rows) and averaged, so that a change of machine load during the run
    (other processes share the cores) does not skew the ratio either way.
    """
    count = 50_000 if quick else 200_000
    fresh = _fresh_settings(settings)
    tenant = f"bench-{uuid.uuid4().hex[:10]}"
    seed = 20261122
    _say(f"prefilling {fresh.topics.v1} with {count:,} events")
    prefill_s = _prefill(fresh, count, tenant, seed)
    _say(f"prefilled in {prefill_s:.1f} s; raw COPY of the same rows ...")
    raw_before = measure_raw_copy(fresh, count, f"{tenant}-raw1", seed)
    _say(f"raw COPY: {raw_before:,.0f} rows/s; running the store stage (1 process)")
    store = measure_store(fresh, count, profile)
    store_rate = store["store_events_per_s"]
    _say(f"store: {store_rate:,.0f} events/s; raw COPY again ...")
    raw_after = measure_raw_copy(fresh, count, f"{tenant}-raw2", seed)
    raw_rate = (raw_before + raw_after) / 2
    _say(f"raw COPY: {raw_after:,.0f} rows/s (mean {raw_rate:,.0f}); ratio {store_rate / raw_rate:.2f}")
    multi = _fresh_settings(settings)
    _prefill(multi, count, f"{tenant}-multi", seed)
    multi_rate = measure_store(multi, count, processes=PROCESSES)["store_events_per_s"]
    _say(f"store with {PROCESSES} processes: {multi_rate:,.0f} events/s; ratio {multi_rate / raw_rate:.2f}")
    write_rate = measure_write_path(fresh, count // 2, f"{tenant}-write", seed)
    decode_rate = measure_decode(fresh, min(count, 20_000), seed)
    _say(f"write path alone: {write_rate:,.0f} events/s; V1Codec.decode alone: {decode_rate:,.0f}/s")
    return {
        **store,
        "raw_copy_rows_per_s": raw_rate,
        "raw_copy_rows_per_s_before": raw_before,
        "raw_copy_rows_per_s_after": raw_after,
        "store_to_raw_copy_ratio": store_rate / raw_rate,
        f"store_{PROCESSES}proc_events_per_s": multi_rate,
        f"store_{PROCESSES}proc_to_raw_copy_ratio": multi_rate / raw_rate,
        "store_write_path_events_per_s": write_rate,
        "store_decode_records_per_s": decode_rate,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.store")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true", help="pyinstrument report on stderr")
    opts = parser.parse_args(argv)
    for key, value in run(load_settings(), opts.quick, opts.profile).items():
        print(f"{key:<32} {value:>14,.2f}")


if __name__ == "__main__":
    main()
