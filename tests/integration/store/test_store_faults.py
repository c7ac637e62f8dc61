"""The store stage as a real process against real Kafka and Postgres: duplicates, kill -9,
rebalances and a Postgres restart never lose an event nor count one twice."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

from consumers.store.stage import group_id_for
from interlog.settings import Settings
from schemas.migrate import migrate
from tests.integration.store.support import (
    assert_exactly_once,
    committed_offsets,
    events_for,
    fresh_tenant,
    metric_value,
    produce_raw_v1,
    produce_v1,
    read_topic,
    store_process,
    stored_count,
)
from tests.support.stacks import free_ports, running_stack, with_fresh_topics
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]


def wait_all_consumed(settings: Settings, records: int, timeout_s: float = 90.0) -> None:
    group = group_id_for(settings)
    wait_until(lambda: committed_offsets(settings, group) == records, timeout_s,
               what=f"stored offsets to reach {records}")


def owned(log: str) -> set[int]:
    """Partitions a store process owns according to its log."""
    mine: set[int] = set()
    for line in log.splitlines():
        if not line.startswith("{"):
            continue
        entry = orjson.loads(line)
        if entry.get("msg") == "partitions assigned":
            mine |= set(entry["partitions"])
        elif entry.get("msg") == "partitions revoked":
            mine -= set(entry["partitions"])
    return mine


def test_duplicate_sends_and_undecodable_records(settings: Settings, tmp_path: Path) -> None:
    tenant = fresh_tenant("dup")
    events = events_for(tenant, 3000, seed=11)
    produce_v1(settings, events)
    produce_v1(settings, events[:1500])  # a producer retry storm: the same events again
    produce_raw_v1(settings, [b"not avro", b"\x00\x00\x00\x7f\xffgarbage"])
    port = free_ports(1)[0]
    proc = store_process(settings, tmp_path, "store", "dup-0", metrics_port=port)
    try:
        wait_all_consumed(settings, 4502)
        produce_v1(settings, events[1000:2000])  # and once more after they were stored
        wait_all_consumed(settings, 5502)
        # metrics follow the commit as soon as the stage collects the batch's outcome
        wait_until(lambda: metric_value(port, "interlog_store_duplicates_skipped_total") == 2500, 10,
                   what="2500 duplicates counted")
        assert metric_value(port, "interlog_store_rows_inserted_total") == 3000
    finally:
        assert proc.stop() == 0, proc.log()
    assert_exactly_once(settings, tenant, events)
    dlq = [orjson.loads(v) for v in read_topic(settings, settings.topics.dlq, 2)]
    assert sorted((d["stage"], d["reason"]) for d in dlq) == [("store", "undecodable")] * 2


def test_kill9_mid_stream_then_restart(settings: Settings, tmp_path: Path) -> None:
    tenant = fresh_tenant("kill")
    events = events_for(tenant, 30000, seed=12)
    produce_v1(settings, events)
    first = store_process(settings, tmp_path, "store-1", "kill-0")
    wait_until(lambda: stored_count(settings, tenant) > 0, 60, what="first rows stored")
    first.kill9()
    first.stop()  # reaps nothing more; closes its log file
    assert stored_count(settings, tenant) < len(events), "the kill came too late to test anything"
    second = store_process(settings, tmp_path, "store-2", "kill-0")  # same static member
    try:
        wait_all_consumed(settings, len(events))
    finally:
        assert second.stop() == 0, second.log()
    assert_exactly_once(settings, tenant, events)


def test_two_instances_with_a_rebalance_in_the_middle(settings: Settings, tmp_path: Path) -> None:
    tenant = fresh_tenant("rebal")
    events = events_for(tenant, 24000, seed=13)
    produce_v1(settings, events[:8000])
    one = store_process(settings, tmp_path, "store-a", "rebal-a")
    two = None
    try:
        wait_until(lambda: stored_count(settings, tenant) > 0, 60, what="first rows stored")
        two = store_process(settings, tmp_path, "store-b", "rebal-b")
        produce_v1(settings, events[8000:16000])
        wait_until(lambda: owned(two.log()), 60, what="second instance owning partitions")
        produce_v1(settings, events[16000:20000])  # both instances consume
        assert one.stop() == 0, one.log()  # leaves mid-stream; its partitions move to two
        produce_v1(settings, events[20000:])
        wait_all_consumed(settings, len(events))
    finally:
        one.stop()
        if two is not None:
            assert two.stop() == 0, two.log()
    assert "partitions revoked" in one.log()
    assert owned(two.log()) == set(), "the second instance kept partitions after it stopped"
    assert_exactly_once(settings, tenant, events)


def test_postgres_restart_during_load(tmp_path: Path) -> None:
    with running_stack() as stack:
        migrate(stack.settings.database_url)
        settings = with_fresh_topics(stack.settings)
        tenant = fresh_tenant("pgrestart")
        events = events_for(tenant, 30000, seed=14)
        produce_v1(settings, events[:6000])
        proc = store_process(settings, tmp_path, "store", "pg-0")
        try:
            wait_until(lambda: stored_count(settings, tenant) > 0, 60, what="first rows stored")
            feeder = threading.Thread(target=produce_v1, args=(settings, events[6000:]))
            feeder.start()
            stack.postgres.restart()
            feeder.join(120)
            wait_all_consumed(settings, len(events), timeout_s=120)
        finally:
            assert proc.stop() == 0, proc.log()
        assert "postgres unavailable" in proc.log()
        assert "postgres available again" in proc.log()
        assert_exactly_once(settings, tenant, events)
