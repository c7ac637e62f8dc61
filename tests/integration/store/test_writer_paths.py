"""The batch writer's two insert paths give the same rows and aggregates: a batch of new events is
COPYed straight into the table; a batch meeting stored events falls back to the staged
``ON CONFLICT DO NOTHING`` insert and folds only the new ones; a lost compare-and-set undoes both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from consumers.store.exceptions import OffsetConflictError
from consumers.store.writer import FastPathGate, OffsetClaim, write_batch
from interlog.partitions import PartitionCatalog
from interlog.settings import Settings
from tests.integration.store.support import aggregate_mismatches, events_for, fresh_tenant

pytestmark = pytest.mark.integration


@pytest.fixture
def conn(stack_settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(stack_settings.database_url, autocommit=True) as connection:
        yield connection


def stored_ids(conn: psycopg.Connection[Any], tenant: str) -> list[str]:
    return sorted(str(r[0]) for r in conn.execute(
        "SELECT event_id FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,)))


def test_new_then_replayed_then_mixed_batches(conn: psycopg.Connection[Any]) -> None:
    tenant = fresh_tenant("paths")
    events = events_for(tenant, 300, seed=11)
    first, second = events[:200], events[200:]
    catalog = PartitionCatalog()
    group = f"paths-{tenant}"

    fresh = write_batch(conn, first, [OffsetClaim(0, None, 200)], group, "paths", catalog)
    assert (fresh.staged, len(fresh.inserted), fresh.duplicates) == (False, 200, 0)

    replay = write_batch(conn, first[50:150], [OffsetClaim(0, 200, 300)], group, "paths", catalog)
    assert (replay.staged, replay.inserted, replay.duplicates) == (True, [], 100)

    upper = [dict(e, eventId=e["eventId"].upper()) for e in first[:10]]  # same events, other spellings
    bare = [dict(e, eventId=e["eventId"].replace("-", "")) for e in first[10:20]]
    mixed = write_batch(conn, [*upper, *bare, *second, *second[:5]], [OffsetClaim(0, 300, 400)], group,
                        "paths", catalog)
    assert mixed.staged and mixed.inserted == second and mixed.duplicates == 25

    assert stored_ids(conn, tenant) == sorted(e["eventId"] for e in events)
    assert aggregate_mismatches(conn, tenant) == {}


def test_a_lost_compare_and_set_undoes_the_fast_path(conn: psycopg.Connection[Any]) -> None:
    tenant = fresh_tenant("paths")
    catalog = PartitionCatalog()
    group = f"paths-{tenant}"
    write_batch(conn, events_for(tenant, 10, seed=1), [OffsetClaim(0, None, 10)], group, "paths", catalog)
    late = events_for(tenant, 40, seed=2)
    with pytest.raises(OffsetConflictError):  # another consumer moved the offset past 10 meanwhile
        write_batch(conn, late, [OffsetClaim(0, 5, 50)], group, "paths", catalog)
    assert len(stored_ids(conn, tenant)) == 10
    assert aggregate_mismatches(conn, tenant) == {}
    sessions = conn.execute("SELECT sum(event_count) FROM interlog.user_session WHERE tenant_id = %s",
                            (tenant,)).fetchone()
    assert sessions is not None and sessions[0] == 10


def test_after_a_conflict_the_gate_sends_new_events_through_the_staged_path(
    conn: psycopg.Connection[Any],
) -> None:
    tenant = fresh_tenant("paths")
    events = events_for(tenant, 90, seed=3)
    catalog, gate, group = PartitionCatalog(), FastPathGate(), f"paths-{tenant}"
    paths = []
    for i, batch in enumerate([events[:30], events[:30], events[30:60], events[60:]]):
        claim = OffsetClaim(0, None if i == 0 else i * 30, (i + 1) * 30)
        result = write_batch(conn, batch, [claim], group, "paths", catalog, gate)
        paths.append((result.staged, len(result.inserted)))
    # new (copy), replay (copy fails -> staged), new but gated (staged), new again (copy)
    assert paths == [(False, 30), (True, 0), (True, 30), (False, 30)]
    assert stored_ids(conn, tenant) == sorted(e["eventId"] for e in events)
    assert aggregate_mismatches(conn, tenant) == {}
