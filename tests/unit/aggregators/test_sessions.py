"""Session fold: tables of inputs, and order-independence of fold + merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregators.sessions import fold_sessions, initialize_session, merge_sessions

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def ev(n: int, event_type: str = "PAGE_VIEW", category: str = "VIEW", *, at: int = 0,
       session: str = "s1", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventId": f"00000000-0000-4000-8000-{n:012d}", "tenantId": "t", "sessionId": session,
        "eventType": event_type, "eventCategory": category, "timestamp": T0 + timedelta(seconds=at),
        "userId": None, "anonymousId": "anon", "path": f"/p{n}", "deviceType": "mobile",
        "browser": "Safari", "os": "iOS", "referrer": None,
    }
    event.update(extra)
    return event


def only(events: list[dict[str, Any]]) -> Any:
    folded = fold_sessions(events)
    assert len(folded) == 1
    return next(iter(folded.values()))


def test_single_page_view_is_a_bounce() -> None:
    s = only([ev(1)])
    assert (s.page_views, s.interactions, s.event_count, s.bounced, s.duration_s) == (1, 0, 1, True, 0)
    assert s.exit_page == "/p1"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        # (page_views, perfumes_viewed, interactions, event_count, bounced)
        ([ev(1), ev(2, at=5)], (2, 0, 0, 2, False)),
        ([ev(1), ev(2, "SEARCH_PERFORMED", "SEARCH", at=5)], (1, 0, 1, 2, False)),
        ([ev(1, "PERFUME_VIEW"), ev(2, "NAVIGATION_CLICK", "NAVIGATION")], (1, 1, 0, 2, True)),
        ([ev(1, "PERFORMANCE_METRIC", "PERFORMANCE"), ev(2, "ERROR", "ERROR")], (0, 0, 0, 2, True)),
        ([ev(1, "WISHLIST_ADD", "WISHLIST"), ev(2, "CLICK", "UI")], (0, 0, 2, 2, False)),
    ],
)
def test_counts(events: list[dict[str, Any]], expected: tuple[int, int, int, int, bool]) -> None:
    s = only(events)
    assert (s.page_views, s.perfumes_viewed, s.interactions, s.event_count, s.bounced) == expected


@pytest.mark.parametrize(
    ("event_type", "category", "flag"),
    [
        ("WISHLIST_ADD", "WISHLIST", "added_to_wishlist"),
        ("COLLECTION_ADD", "COLLECTION", "added_to_collection"),
        ("RATING_COMPLETED", "RATING", "completed_rating"),
        ("REVIEW_SUBMITTED", "REVIEW", "completed_review"),
    ],
)
def test_flags(event_type: str, category: str, flag: str) -> None:
    flags = ("added_to_wishlist", "added_to_collection", "completed_rating", "completed_review")
    s = only([ev(1), ev(2, event_type, category, at=3)])
    assert {f: getattr(s, f) for f in flags} == {f: f == flag for f in flags}


def test_first_and_last_event_decide_entry_and_exit_in_any_order() -> None:
    late = ev(2, at=90, path="/exit", deviceType="desktop", referrer="r2")
    early = ev(1, at=-30, path="/entry", deviceType="tablet", referrer="r1")
    for events in ([late, early, ev(3)], [ev(3), early, late]):
        s = only(events)
        assert (s.start_time, s.end_time, s.duration_s) == (T0 - timedelta(seconds=30),
                                                            T0 + timedelta(seconds=90), 120)
        assert (s.exit_page, s.device_type, s.referrer) == ("/exit", "tablet", "r1")


def test_timestamp_ties_are_broken_by_event_id() -> None:
    a, b = ev(7, at=10, path="/a"), ev(9, at=10, path="/b")
    assert only([a, b]).exit_page == only([b, a]).exit_page == "/b"
    assert only([a, b]).first == only([b, a]).first == (a["timestamp"], a["eventId"])


def test_user_id_is_the_greatest_non_null() -> None:
    s = only([ev(1, userId=None), ev(2, userId="u-b"), ev(3, userId="u-a")])
    assert s.user_id == "u-b"
    assert s.anonymous_id == "anon"


def test_sessions_are_keyed_by_tenant_and_session() -> None:
    folded = fold_sessions([ev(1, session="a"), ev(2, session="b"), ev(3, session="a", tenantId="t2")])
    assert set(folded) == {("t", "a"), ("t", "b"), ("t2", "a")}


_events = st.lists(
    st.builds(
        lambda n, kind, at, user, path: ev(n, kind[0], kind[1], at=at, userId=user, path=path),
        st.integers(0, 50),
        st.sampled_from([("PAGE_VIEW", "VIEW"), ("PERFUME_VIEW", "VIEW"), ("WISHLIST_ADD", "WISHLIST"),
                         ("RATING_COMPLETED", "RATING"), ("NAVIGATION_CLICK", "NAVIGATION")]),
        st.integers(0, 5),
        st.one_of(st.none(), st.sampled_from(["u1", "u2", "U3"])),
        st.sampled_from(["/a", "/b", None]),
    ),
    min_size=1, max_size=25, unique_by=lambda e: e["eventId"],
)


@settings(max_examples=200)
@given(_events, st.randoms(use_true_random=False), st.integers(1, 24))
def test_fold_is_order_and_batching_independent(events: list[dict[str, Any]], rnd: Any, cut: int) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    whole = fold_sessions(events)[("t", "s1")]
    left, right = fold_sessions(shuffled[:cut]), fold_sessions(shuffled[cut:])
    if not right:
        merged = left[("t", "s1")]
    elif not left:
        merged = right[("t", "s1")]
    else:
        merged = merge_sessions(right[("t", "s1")], left[("t", "s1")])
    assert merged == whole
    one_by_one = initialize_session(shuffled[0])
    for event in shuffled[1:]:
        one_by_one = merge_sessions(one_by_one, initialize_session(event))
    assert one_by_one == whole
