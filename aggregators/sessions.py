"""Session aggregate (seed 003 ``UserSession``) as an order-independent fold over validated events.

Input: canonical validated events (``schemas.codec.V1Codec.decode`` dicts, camelCase keys). Output:
one :class:`SessionAggregate` per ``(tenantId, sessionId)``. Every field combines with a commutative,
associative operation, so folding any permutation of the events, in any split into batches merged
with :func:`merge_sessions`, gives the same aggregate:

- counts add; flags are ORed;
- ``user_id`` / ``anonymous_id`` are the greatest non-null value seen (a session may start
  anonymous and log in; "greatest" keeps the choice independent of arrival order);
- ``start`` / ``end`` are the smallest / largest ``(timestamp, eventId)``; the device, browser, OS and
  referrer come from the first event, ``exit_page`` is the path of the last event;
- ``duration`` (seconds) and ``bounced`` are derived from the above (in SQL, generated columns).

The store stage upserts these with the same operations (``consumers/store/sql.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Categories that are not user interactions (views, navigation and system signals).
NON_INTERACTION_CATEGORIES: frozenset[str] = frozenset(
    {"VIEW", "NAVIGATION", "PERFORMANCE", "ERROR", "STATE", "PATTERN"}
)
VIEW_CATEGORY = "VIEW"
PERFUME_VIEW = "PERFUME_VIEW"
#: Session flags and the event type that sets each.
FLAG_EVENT_TYPES: dict[str, str] = {
    "added_to_wishlist": "WISHLIST_ADD",
    "added_to_collection": "COLLECTION_ADD",
    "completed_rating": "RATING_COMPLETED",
    "completed_review": "REVIEW_SUBMITTED",
}

_WISHLIST_ADD = FLAG_EVENT_TYPES["added_to_wishlist"]
_COLLECTION_ADD = FLAG_EVENT_TYPES["added_to_collection"]
_RATING_COMPLETED = FLAG_EVENT_TYPES["completed_rating"]
_REVIEW_SUBMITTED = FLAG_EVENT_TYPES["completed_review"]

SessionKey = tuple[str, str]
#: Total order of events inside a session: (timestamp, lower-case event id text). Postgres orders
#: ``uuid`` values bytewise, which is the order of their lower-case hex text.
EventOrder = tuple[datetime, str]


@dataclass(slots=True)
class SessionAggregate:
    """Fold state of one session; the columns of ``interlog.user_session``."""

    tenant_id: str
    session_id: str
    user_id: str | None
    anonymous_id: str | None
    first: EventOrder
    last: EventOrder
    device_type: str | None
    browser: str | None
    os: str | None
    referrer: str | None
    exit_page: str | None
    page_views: int = 0
    perfumes_viewed: int = 0
    interactions: int = 0
    event_count: int = 0
    added_to_wishlist: bool = False
    added_to_collection: bool = False
    completed_rating: bool = False
    completed_review: bool = False

    @property
    def start_time(self) -> datetime:
        return self.first[0]

    @property
    def end_time(self) -> datetime:
        return self.last[0]

    @property
    def duration_s(self) -> int:
        """Whole seconds from the first to the last event."""
        return int((self.last[0] - self.first[0]).total_seconds() // 1)

    @property
    def bounced(self) -> bool:
        """At most one page view and no interaction."""
        return self.page_views <= 1 and self.interactions == 0


def _greatest(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a >= b else b


def event_order(event: Mapping[str, Any]) -> EventOrder:
    return (event["timestamp"], str(event["eventId"]).lower())


def initialize_session(event: Mapping[str, Any]) -> SessionAggregate:
    """The aggregate of a session seen through ``event`` alone."""
    order = event_order(event)
    event_type = event["eventType"]
    category = event["eventCategory"]
    return SessionAggregate(
        tenant_id=event["tenantId"],
        session_id=event["sessionId"],
        user_id=event.get("userId"),
        anonymous_id=event.get("anonymousId"),
        first=order,
        last=order,
        device_type=event.get("deviceType"),
        browser=event.get("browser"),
        os=event.get("os"),
        referrer=event.get("referrer"),
        exit_page=event.get("path"),
        page_views=1 if category == VIEW_CATEGORY else 0,
        perfumes_viewed=1 if event_type == PERFUME_VIEW else 0,
        interactions=0 if category in NON_INTERACTION_CATEGORIES else 1,
        event_count=1,
        added_to_wishlist=event_type == _WISHLIST_ADD,
        added_to_collection=event_type == _COLLECTION_ADD,
        completed_rating=event_type == _RATING_COMPLETED,
        completed_review=event_type == _REVIEW_SUBMITTED,
    )


def merge_sessions(a: SessionAggregate, b: SessionAggregate) -> SessionAggregate:
    """Combine two aggregates of the same session (commutative and associative)."""
    first_src = a if a.first <= b.first else b
    last_src = a if a.last >= b.last else b
    return SessionAggregate(
        tenant_id=a.tenant_id,
        session_id=a.session_id,
        user_id=_greatest(a.user_id, b.user_id),
        anonymous_id=_greatest(a.anonymous_id, b.anonymous_id),
        first=first_src.first,
        last=last_src.last,
        device_type=first_src.device_type,
        browser=first_src.browser,
        os=first_src.os,
        referrer=first_src.referrer,
        exit_page=last_src.exit_page,
        page_views=a.page_views + b.page_views,
        perfumes_viewed=a.perfumes_viewed + b.perfumes_viewed,
        interactions=a.interactions + b.interactions,
        event_count=a.event_count + b.event_count,
        added_to_wishlist=a.added_to_wishlist or b.added_to_wishlist,
        added_to_collection=a.added_to_collection or b.added_to_collection,
        completed_rating=a.completed_rating or b.completed_rating,
        completed_review=a.completed_review or b.completed_review,
    )


def fold_sessions(events: Iterable[Mapping[str, Any]]) -> dict[SessionKey, SessionAggregate]:
    """Per-session deltas of ``events`` (each event counted once: pass only new events)."""
    out: dict[SessionKey, SessionAggregate] = {}
    for event in events:
        key = (event["tenantId"], event["sessionId"])
        current = out.get(key)
        if current is None:
            out[key] = initialize_session(event)
        else:
            add_event(current, event)
    return out


def add_event(agg: SessionAggregate, event: Mapping[str, Any]) -> None:
    """Fold one more event of the same session into ``agg`` in place (same result as merging)."""
    order = event_order(event)
    event_type = event["eventType"]
    category = event["eventCategory"]
    agg.user_id = _greatest(agg.user_id, event.get("userId"))
    agg.anonymous_id = _greatest(agg.anonymous_id, event.get("anonymousId"))
    if order < agg.first:
        agg.first = order
        agg.device_type = event.get("deviceType")
        agg.browser = event.get("browser")
        agg.os = event.get("os")
        agg.referrer = event.get("referrer")
    if order > agg.last:
        agg.last = order
        agg.exit_page = event.get("path")
    agg.event_count += 1
    if category == VIEW_CATEGORY:
        agg.page_views += 1
    elif category not in NON_INTERACTION_CATEGORIES:
        agg.interactions += 1
    if event_type == PERFUME_VIEW:
        agg.perfumes_viewed += 1
    elif event_type == _WISHLIST_ADD:
        agg.added_to_wishlist = True
    elif event_type == _COLLECTION_ADD:
        agg.added_to_collection = True
    elif event_type == _RATING_COMPLETED:
        agg.completed_rating = True
    elif event_type == _REVIEW_SUBMITTED:
        agg.completed_review = True
