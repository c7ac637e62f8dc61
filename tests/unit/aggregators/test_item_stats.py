"""Item statistics fold: item references, counters, exact averages, viewers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregators.item_stats import fold_items, item_ref, merge_items, rating_of

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def ev(n: int, event_type: str = "PERFUME_VIEW", category: str = "VIEW", *, at: int = 0,
       **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventId": f"00000000-0000-4000-8000-{n:012d}", "tenantId": "t", "sessionId": "s",
        "eventType": event_type, "eventCategory": category, "timestamp": T0 + timedelta(seconds=at),
        "userId": None, "anonymousId": "anon", "perfumeId": "p1", "houseId": None, "noteId": None,
        "duration": None, "value": None, "eventData": {},
    }
    event.update(extra)
    return event


@pytest.mark.parametrize(
    ("fields", "event_type", "expected"),
    [
        ({"perfumeId": "p", "houseId": "h"}, "PERFUME_VIEW", ("perfume", "p")),
        ({"perfumeId": "p", "houseId": "h"}, "HOUSE_VIEW", ("house", "h")),
        ({"perfumeId": None, "houseId": "h", "noteId": "n"}, "IMAGE_VIEWED", ("house", "h")),
        ({"perfumeId": None, "houseId": None, "noteId": "n"}, "NOTES_EXPANDED", ("note", "n")),
        ({"perfumeId": None, "houseId": None, "noteId": None}, "PAGE_VIEW", None),
    ],
)
def test_item_ref(fields: dict[str, Any], event_type: str, expected: Any) -> None:
    assert item_ref(ev(1, event_type, **fields)) == expected


def test_views_durations_and_viewers() -> None:
    items, viewers = fold_items([
        ev(1, duration=1000, userId="u1", at=5),
        ev(2, duration=3000, userId=None, anonymousId="a1", at=9),
        ev(3, userId="u1", at=1),
        ev(4, "WISHLIST_ADD", "WISHLIST", at=20),
    ])
    agg = items[("t", "perfume", "p1")]
    assert (agg.total_views, agg.view_duration_sum, agg.view_duration_count) == (3, 4000, 2)
    assert agg.avg_view_duration == 2000.0
    assert agg.last_viewed_at == T0 + timedelta(seconds=9)
    assert agg.first_seen_at == T0 + timedelta(seconds=1)
    assert viewers == {("t", "perfume", "p1", "u1"), ("t", "perfume", "p1", "a1")}
    assert agg.unique_viewers == 0  # counted by the store from new item_viewer rows


@pytest.mark.parametrize(
    ("types", "wishlist", "collection"),
    [
        (["WISHLIST_ADD", "WISHLIST_ADD", "WISHLIST_REMOVE"], 1, 0),
        (["COLLECTION_ADD", "COLLECTION_REMOVE", "COLLECTION_REMOVE"], 0, -1),
        (["COLLECTION_UPDATE", "WISHLIST_REMOVE"], -1, 0),
    ],
)
def test_adds_minus_removes(types: list[str], wishlist: int, collection: int) -> None:
    items, _ = fold_items([ev(i, t, "COLLECTION") for i, t in enumerate(types)])
    agg = items[("t", "perfume", "p1")]
    assert (agg.in_wishlist_count, agg.in_collection_count, agg.total_views) == (wishlist, collection, 0)


def test_ratings_reviews_and_other_counters() -> None:
    items, _ = fold_items([
        ev(1, "RATING_COMPLETED", "RATING", value=4.5),
        ev(2, "RATING_COMPLETED", "RATING", eventData={"ratings": {"overall": 3.0}}),
        ev(3, "RATING_COMPLETED", "RATING"),  # no rating value: counted, not averaged
        ev(4, "RATING_UPDATED", "RATING", value=1.0),
        ev(5, "REVIEW_SUBMITTED", "REVIEW"),
        ev(6, "SEARCH_RESULT_CLICKED", "SEARCH"),
        ev(7, "TRADE_INQUIRY", "SOCIAL"),
        ev(8, "TRADE_ACCEPTED", "CONVERSION"),
    ])
    agg = items[("t", "perfume", "p1")]
    assert (agg.total_ratings, agg.rating_sum, agg.rating_count) == (3, Decimal("7.5"), 2)
    assert agg.avg_rating == 3.75
    assert (agg.total_reviews, agg.search_clicks, agg.trade_inquiries, agg.trade_completed) == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.1 + 0.2, Decimal("0.3")), (4.0, Decimal(4)), (1e-7, Decimal("1e-7")), (True, None), (None, None)],
)
def test_rating_matches_postgres_float8_to_numeric(value: Any, expected: Decimal | None) -> None:
    assert rating_of(ev(1, "RATING_COMPLETED", "RATING", value=value)) == expected


_ratings = st.lists(
    st.builds(
        lambda n, kind, v, d, p: ev(n, kind[0], kind[1], value=v, duration=d, perfumeId=p),
        st.integers(0, 10**6),
        st.sampled_from([("PERFUME_VIEW", "VIEW"), ("RATING_COMPLETED", "RATING"),
                         ("WISHLIST_ADD", "WISHLIST"), ("WISHLIST_REMOVE", "WISHLIST")]),
        st.one_of(st.none(), st.floats(1, 5)),
        st.one_of(st.none(), st.integers(0, 10**6)),
        st.sampled_from(["p1", "p2"]),
    ),
    max_size=30,
)


@settings(max_examples=200)
@given(_ratings, st.integers(0, 30))
def test_split_fold_merges_to_the_whole(events: list[dict[str, Any]], cut: int) -> None:
    whole, whole_viewers = fold_items(events)
    left, lv = fold_items(events[:cut])
    right, rv = fold_items(events[cut:])
    merged = dict(left)
    for key, agg in right.items():
        merged[key] = merge_items(merged[key], agg) if key in merged else agg
    assert merged == whole
    assert lv | rv == whole_viewers
