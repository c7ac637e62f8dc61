"""Monthly partitions: created ahead by the migration, created by the store stage when a batch meets
a new month; an event older than the retention window never reaches the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg
import pytest

from benchmarks.stored_events import sample_events
from consumers.store.stage import group_id_for
from interlog.partitions import PartitionCatalog
from interlog.settings import Settings
from tests.integration.store.support import (
    committed_offsets,
    fresh_tenant,
    produce_v1,
    read_topic,
    store_process,
)
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def partitions(conn: psycopg.Connection[tuple[str]]) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'interlog.user_interaction_event'::regclass")}


def test_current_and_next_two_months_exist(stack_settings: Settings) -> None:
    now = datetime.now(UTC)
    months, first = [], now.replace(day=1)
    for _ in range(3):
        months.append(f"user_interaction_event_{first:%Y_%m}")
        first = (first + timedelta(days=32)).replace(day=1)
    with psycopg.connect(stack_settings.database_url) as conn:
        assert set(months) <= partitions(conn)
        default = conn.execute(
            "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
            " WHERE c.relname = 'user_interaction_event' AND p.partdefid <> 0").fetchone()
        assert default == (0,), "a DEFAULT partition would swallow out-of-range events"


def test_new_month_gets_a_partition_and_too_old_events_go_to_the_dlq(
    settings: Settings, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        existing = partitions(conn)
        month = next(datetime(y, m, 1, tzinfo=UTC) for y in range(2000, 2016) for m in range(1, 13)
                     if f"user_interaction_event_{y:04d}_{m:02d}" not in existing)
    name = f"user_interaction_event_{month:%Y_%m}"
    # Retention reaches back to 5 days before that month: its events are kept, older ones refused.
    settings = settings.with_overrides(retention_days=(now - month).days + 5)
    tenant = fresh_tenant("month")
    kept = list(sample_events(50, tenant, month + timedelta(days=1), timedelta(days=20), seed=3))
    too_old = list(sample_events(5, tenant, month - timedelta(days=40), timedelta(days=1), seed=4))
    produce_v1(settings, kept + too_old)

    proc = store_process(settings, tmp_path, "store", "month-0")
    try:
        wait_until(lambda: committed_offsets(settings, group_id_for(settings)) == 55, 60,
                   what="all 55 records consumed")
    finally:
        assert proc.stop() == 0, proc.log()

    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        try:
            assert name in partitions(conn)
            rows = conn.execute(
                "SELECT tableoid::regclass::text, event_id::text FROM interlog.user_interaction_event"
                " WHERE tenant_id = %s", (tenant,)).fetchall()
            assert {r[0].rsplit(".", 1)[-1] for r in rows} == {name}
            assert sorted(r[1] for r in rows) == sorted(e["eventId"] for e in kept)
        finally:
            conn.execute(f"DROP TABLE IF EXISTS interlog.{name}")
    dlq = [orjson.loads(v) for v in read_topic(settings, settings.topics.dlq, 5)]
    assert sorted(d["payload"]["eventId"] for d in dlq) == sorted(e["eventId"] for e in too_old)
    assert {(d["stage"], d["reason"]) for d in dlq} == {("store", "older_than_retention")}


def test_meeting_the_current_month_creates_the_next_two_ahead(stack_settings: Settings) -> None:
    with psycopg.connect(stack_settings.database_url, autocommit=True) as conn:
        existing = partitions(conn)
        names = []
        for year in range(2000, 2016):  # a quarter nobody uses: pretend it is "now"
            months = [datetime(year, m, 1, tzinfo=UTC) for m in (4, 5, 6)]
            names = [f"user_interaction_event_{m:%Y_%m}" for m in months]
            if not set(names) & existing:
                break
        now = months[0] + timedelta(days=3)
        try:
            created = PartitionCatalog().ensure(conn, [now - timedelta(hours=1)], now=now)
            assert created == names
            assert set(names) <= partitions(conn)
            assert PartitionCatalog().ensure(conn, [now], now=now) == []  # idempotent
        finally:
            for name in names:
                conn.execute(f"DROP TABLE IF EXISTS interlog.{name}")
