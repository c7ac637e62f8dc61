"""Item statistics (seed 003 ``PerfumeInteractionStats`` generalised to perfume|house|note) as a fold.

Input: canonical validated events (camelCase dicts). Each event concerns at most one item, its
*item reference* (:func:`item_ref`): a ``HOUSE_VIEW`` with a ``houseId`` concerns that house;
otherwise the first of ``perfumeId``, ``houseId``, ``noteId`` that is set. Per item:

- ``total_views``: events of category VIEW; ``view_duration_sum``/``_count`` over those views that
  carry ``duration`` (ms), so the average merges exactly; ``last_viewed_at`` = latest view time;
- ``unique_viewers``: exact. The fold returns the set of ``(item, viewer)`` pairs seen in views
  (viewer = ``userId`` else ``anonymousId``); the store counts a viewer when its row in
  ``interlog.item_viewer`` is new, which is order-independent;
- ``total_ratings``: ``RATING_COMPLETED`` events; ``rating_sum``/``rating_count`` over those with a
  rating (``value``, else ``eventData.ratings.overall``), summed as :class:`~decimal.Decimal` of
  the float's 15 significant digits (what PostgreSQL's ``float8::numeric`` gives), so sums are
  exact and independent of order;
- ``total_reviews`` (``REVIEW_SUBMITTED``), ``in_wishlist_count`` / ``in_collection_count`` (adds
  minus removes), ``search_clicks``, ``trade_inquiries``, ``trade_completed``;
- ``first_seen_at``: earliest event on the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

ItemType = Literal["perfume", "house", "note"]
ItemKey = tuple[str, str, str]  # (tenant_id, item_type, item_id)
ViewerKey = tuple[str, str, str, str]  # (tenant_id, item_type, item_id, viewer_id)

VIEW_CATEGORY = "VIEW"
#: Event type -> (counter field, increment).
COUNTED_EVENT_TYPES: dict[str, tuple[str, int]] = {
    "REVIEW_SUBMITTED": ("total_reviews", 1),
    "WISHLIST_ADD": ("in_wishlist_count", 1),
    "WISHLIST_REMOVE": ("in_wishlist_count", -1),
    "COLLECTION_ADD": ("in_collection_count", 1),
    "COLLECTION_REMOVE": ("in_collection_count", -1),
    "SEARCH_RESULT_CLICKED": ("search_clicks", 1),
    "TRADE_INQUIRY": ("trade_inquiries", 1),
    "TRADE_ACCEPTED": ("trade_completed", 1),
}
RATING_EVENT_TYPE = "RATING_COMPLETED"


@dataclass(slots=True)
class ItemAggregate:
    """Fold state of one item; the delta columns of ``interlog.item_interaction_stats``."""

    first_seen_at: datetime
    total_views: int = 0
    view_duration_sum: int = 0
    view_duration_count: int = 0
    total_ratings: int = 0
    rating_sum: Decimal = Decimal(0)
    rating_count: int = 0
    total_reviews: int = 0
    in_wishlist_count: int = 0
    in_collection_count: int = 0
    search_clicks: int = 0
    trade_inquiries: int = 0
    trade_completed: int = 0
    last_viewed_at: datetime | None = None
    unique_viewers: int = 0  # filled by the store from newly inserted item_viewer rows

    @property
    def avg_view_duration(self) -> float:
        return self.view_duration_sum / self.view_duration_count if self.view_duration_count else 0.0

    @property
    def avg_rating(self) -> float | None:
        return float(self.rating_sum / self.rating_count) if self.rating_count else None


def item_ref(event: Mapping[str, Any]) -> tuple[ItemType, str] | None:
    """The item an event concerns, or None."""
    house_id = event.get("houseId")
    if house_id is not None and event["eventType"] == "HOUSE_VIEW":
        return ("house", house_id)
    perfume_id = event.get("perfumeId")
    if perfume_id is not None:
        return ("perfume", perfume_id)
    if house_id is not None:
        return ("house", house_id)
    note_id = event.get("noteId")
    if note_id is not None:
        return ("note", note_id)
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def rating_of(event: Mapping[str, Any]) -> Decimal | None:
    """The rating carried by a rating event, as PostgreSQL's ``float8::numeric`` would give it."""
    value = event.get("value")
    if not _is_number(value):
        data = event.get("eventData") or {}
        ratings = data.get("ratings") if isinstance(data, Mapping) else None
        value = ratings.get("overall") if isinstance(ratings, Mapping) else None
        if not _is_number(value):
            return None
    return Decimal(f"{float(value):.15g}")  # type: ignore[arg-type]


def viewer_of(event: Mapping[str, Any]) -> str | None:
    user_id: str | None = event.get("userId")
    return user_id if user_id is not None else event.get("anonymousId")


def add_event(agg: ItemAggregate, event: Mapping[str, Any]) -> None:
    """Fold one event on the item into ``agg`` in place (viewers are collected separately)."""
    timestamp: datetime = event["timestamp"]
    if timestamp < agg.first_seen_at:
        agg.first_seen_at = timestamp
    event_type = event["eventType"]
    if event["eventCategory"] == VIEW_CATEGORY:
        agg.total_views += 1
        duration = event.get("duration")
        if duration is not None:
            agg.view_duration_sum += duration
            agg.view_duration_count += 1
        if agg.last_viewed_at is None or timestamp > agg.last_viewed_at:
            agg.last_viewed_at = timestamp
    if event_type == RATING_EVENT_TYPE:
        agg.total_ratings += 1
        rating = rating_of(event)
        if rating is not None:
            agg.rating_sum += rating
            agg.rating_count += 1
    counted = COUNTED_EVENT_TYPES.get(event_type)
    if counted is not None:
        field, step = counted
        setattr(agg, field, getattr(agg, field) + step)


def merge_items(a: ItemAggregate, b: ItemAggregate) -> ItemAggregate:
    """Combine two aggregates of the same item (commutative and associative)."""
    last_viewed = [t for t in (a.last_viewed_at, b.last_viewed_at) if t is not None]
    return ItemAggregate(
        first_seen_at=min(a.first_seen_at, b.first_seen_at),
        total_views=a.total_views + b.total_views,
        view_duration_sum=a.view_duration_sum + b.view_duration_sum,
        view_duration_count=a.view_duration_count + b.view_duration_count,
        total_ratings=a.total_ratings + b.total_ratings,
        rating_sum=a.rating_sum + b.rating_sum,
        rating_count=a.rating_count + b.rating_count,
        total_reviews=a.total_reviews + b.total_reviews,
        in_wishlist_count=a.in_wishlist_count + b.in_wishlist_count,
        in_collection_count=a.in_collection_count + b.in_collection_count,
        search_clicks=a.search_clicks + b.search_clicks,
        trade_inquiries=a.trade_inquiries + b.trade_inquiries,
        trade_completed=a.trade_completed + b.trade_completed,
        last_viewed_at=max(last_viewed) if last_viewed else None,
        unique_viewers=a.unique_viewers + b.unique_viewers,
    )


def fold_items(
    events: Iterable[Mapping[str, Any]],
) -> tuple[dict[ItemKey, ItemAggregate], set[ViewerKey]]:
    """Per-item deltas of ``events`` and the (item, viewer) pairs of their views.

    Pass only newly stored events; ``unique_viewers`` stays 0 here and is added by the caller for
    each viewer pair that is new in the database.
    """
    items: dict[ItemKey, ItemAggregate] = {}
    viewers: set[ViewerKey] = set()
    for event in events:
        ref = item_ref(event)
        if ref is None:
            continue
        tenant_id = event["tenantId"]
        key = (tenant_id, ref[0], ref[1])
        agg = items.get(key)
        if agg is None:
            agg = items[key] = ItemAggregate(first_seen_at=event["timestamp"])
        add_event(agg, event)
        if event["eventCategory"] == VIEW_CATEGORY:
            viewer = viewer_of(event)
            if viewer is not None:
                viewers.add((tenant_id, ref[0], ref[1], viewer))
    return items, viewers
