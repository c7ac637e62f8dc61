"""Property: any permutation of a set of events, with any duplicates (also retried copies whose
skew-corrected timestamp moved), split into any batches and written by the stage's own batch
writer, leaves every aggregate table equal to its batch recomputation in SQL."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.store.writer import OffsetClaim, write_batch
from interlog.partitions import PartitionCatalog
from interlog.settings import Settings
from tests.integration.store.support import aggregate_mismatches

pytestmark = pytest.mark.integration

# Mid-month base, so shifted duplicates never cross a month; -25 days reaches the previous month.
BASE = datetime.now(UTC).replace(day=14, hour=12, minute=0, second=0, microsecond=0)
if datetime.now(UTC) < BASE:
    BASE -= timedelta(days=28)

KINDS = [
    ("PAGE_VIEW", "VIEW"), ("PERFUME_VIEW", "VIEW"), ("HOUSE_VIEW", "VIEW"),
    ("SEARCH_RESULT_CLICKED", "SEARCH"), ("RATING_COMPLETED", "RATING"),
    ("REVIEW_SUBMITTED", "REVIEW"), ("WISHLIST_ADD", "WISHLIST"), ("WISHLIST_REMOVE", "WISHLIST"),
    ("COLLECTION_ADD", "COLLECTION"), ("COLLECTION_REMOVE", "COLLECTION"),
    ("NOTES_EXPANDED", "ENGAGEMENT"), ("NAVIGATION_CLICK", "NAVIGATION"), ("TRADE_INQUIRY", "SOCIAL"),
]


@st.composite
def an_event(draw: st.DrawFn, event_id: uuid.UUID) -> dict[str, Any]:
    event_type, category = draw(st.sampled_from(KINDS))
    at = BASE + timedelta(seconds=draw(st.sampled_from([0, 0, 1, 2, 90, 3600, -25 * 86400])))
    rating = draw(st.one_of(st.none(), st.sampled_from([1.0, 3.5, 4.3, 0.1 + 0.2])))
    in_data = draw(st.booleans())
    return {
        "eventId": str(event_id), "tenantId": "", "eventType": event_type, "eventCategory": category,
        "timestamp": at, "clientTimestamp": at, "receivedAt": at + timedelta(milliseconds=300),
        "sessionId": draw(st.sampled_from(["s1", "s2", "s3"])),
        "userId": draw(st.sampled_from([None, "u1", "u2", "U3"])),
        "anonymousId": draw(st.sampled_from([None, "a1", "a2"])),
        "path": draw(st.sampled_from([None, "/", "/perfumes/p1", "/houses/h1"])),
        "component": None, "action": None,
        "perfumeId": draw(st.sampled_from([None, "p1", "p2"])),
        "houseId": draw(st.sampled_from([None, "h1"])),
        "noteId": draw(st.sampled_from([None, "n1"])),
        "duration": draw(st.one_of(st.none(), st.integers(0, 100_000))),
        "value": None if in_data else rating,
        "eventData": {"ratings": {"overall": rating}} if in_data and rating is not None else {},
        "deviceType": draw(st.sampled_from([None, "mobile", "desktop"])),
        "browser": draw(st.sampled_from([None, "Safari"])), "os": draw(st.sampled_from([None, "iOS"])),
        "userAgent": None, "referrer": draw(st.sampled_from([None, "https://example.org/"])),
        "locale": None, "timezone": None, "appVersion": None, "platform": None,
        "clientIpPrefix": None, "consentAnalytics": True, "consentPersonalization": True,
        "schemaVersion": 1,
    }


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """(the distinct events, the batches they arrive in: permuted, duplicated, split)."""
    ids = draw(st.lists(st.uuids(version=4), min_size=1, max_size=20, unique=True))
    events = [draw(an_event(i)) for i in ids]
    arrivals = list(draw(st.permutations(events)))
    for index, position, shifted in draw(st.lists(
            st.tuples(st.integers(0, len(events) - 1), st.integers(0, 40), st.booleans()), max_size=10)):
        copy = dict(events[index])
        if shifted:  # a client retry: same eventId, skew correction moved the timestamp a little
            copy["timestamp"] = copy["timestamp"] + timedelta(milliseconds=7)
        arrivals.insert(position % (len(arrivals) + 1), copy)
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(arrivals) - 1)), max_size=5)))
    bounds = [0, *cuts, len(arrivals)]
    batches = [arrivals[a:b] for a, b in itertools.pairwise(bounds) if a < b]
    return events, batches


@pytest.fixture(scope="module")
def conn(stack_settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(stack_settings.database_url, autocommit=True) as connection:
        yield connection


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(deliveries())
def test_any_arrival_gives_the_recomputed_aggregates(
    conn: psycopg.Connection[Any], scenario: tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]
) -> None:
    events, batches = scenario
    tenant = f"prop-{uuid.uuid4().hex[:12]}"
    catalog = PartitionCatalog()
    offset: int | None = None
    for batch in batches:
        for event in batch:
            event["tenantId"] = tenant
        claim = OffsetClaim(0, offset, (offset or 0) + len(batch))
        write_batch(conn, batch, [claim], f"prop-{tenant}", "prop-topic", catalog)
        offset = claim.next_offset

    rows = conn.execute(
        "SELECT event_id::text FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,)
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(e["eventId"] for e in events)
    assert aggregate_mismatches(conn, tenant) == {}
