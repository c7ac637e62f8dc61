"""The event catalog: every event type, its category and its ``eventData`` schema subject.

Pure data (no I/O). Sources: seed 003 ``InteractionEventType`` / ``InteractionCategory``; seed 004
families (UI interactions, state transitions, performance metrics, errors, generations); the domain
packs of seeds 000 (conversations), 001 (readings) and 002 (wellbeing). A subject names the Avro
record family of ``eventData`` (``schemas/avro/<subject>.v<N>.avsc``); several types may share one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventKind:
    """Catalog entry of one event type."""

    event_type: str
    category: str
    subject: str


def _kinds(category: str, subject: str, *types: str) -> list[EventKind]:
    return [EventKind(t, category, subject) for t in types]


_ENTRIES: list[EventKind] = [
    # Seed 003: InteractionEventType with its InteractionCategory.
    *_kinds("VIEW", "page_view", "PAGE_VIEW", "PERFUME_VIEW", "HOUSE_VIEW"),
    *_kinds("VIEW", "collection_view", "COLLECTION_VIEW"),
    *_kinds("SEARCH", "search", "SEARCH_PERFORMED", "SEARCH_REFINED", "SEARCH_NO_RESULTS"),
    *_kinds("SEARCH", "search_click", "SEARCH_RESULT_CLICKED"),
    *_kinds("FILTER", "filter", "FILTER_APPLIED", "FILTER_REMOVED", "FILTER_CLEARED"),
    *_kinds("RATING", "rating", "RATING_STARTED", "RATING_COMPLETED", "RATING_UPDATED"),
    *_kinds("REVIEW", "review", "REVIEW_STARTED", "REVIEW_SUBMITTED", "REVIEW_UPDATED"),
    *_kinds("WISHLIST", "wishlist", "WISHLIST_ADD", "WISHLIST_REMOVE"),
    *_kinds("COLLECTION", "collection", "COLLECTION_ADD", "COLLECTION_UPDATE", "COLLECTION_REMOVE"),
    *_kinds("ENGAGEMENT", "engagement", "IMAGE_VIEWED", "IMAGE_ZOOMED", "NOTES_EXPANDED",
            "NOTES_COLLAPSED", "SIMILAR_CLICKED", "HOUSE_LINK_CLICKED"),
    *_kinds("SOCIAL", "social", "PROFILE_VIEWED", "COLLECTION_SHARED", "TRADE_INQUIRY"),
    *_kinds("NAVIGATION", "navigation", "NAVIGATION_CLICK", "BACK_BUTTON", "EXTERNAL_LINK"),
    *_kinds("CONVERSION", "trade", "TRADE_OFFERED", "TRADE_ACCEPTED", "TRADE_DECLINED"),
    *_kinds("CONVERSION", "purchase", "PURCHASE_INITIATED", "PURCHASE_COMPLETED"),
    # Seed 004: UI interactions, state machine, performance, errors, generations.
    *_kinds("UI", "ui_click", "CLICK"),
    *_kinds("UI", "ui_input", "INPUT"),
    *_kinds("UI", "ui_scroll", "SCROLL"),
    *_kinds("NAVIGATION", "navigation", "NAVIGATION"),
    *_kinds("STATE", "state_transition", "STATE_TRANSITION"),
    *_kinds("PERFORMANCE", "performance_metric", "PERFORMANCE_METRIC"),
    *_kinds("ERROR", "error", "ERROR"),
    *_kinds("GENERATION", "generation", "GENERATION_COMPLETED"),
    # Seed 001: readings app.
    *_kinds("READING", "reading", "READING"),
    *_kinds("CONVERSATION", "reading", "CHAT"),
    *_kinds("FEEDBACK", "feedback", "FEEDBACK"),
    *_kinds("SOCIAL", "reading", "SHARE"),
    # Seed 000: conversations app.
    *_kinds("CONVERSATION", "conversation", "CONVERSATION_STARTED", "CONVERSATION_DELETED"),
    *_kinds("CONVERSATION", "message", "MESSAGE_SENT", "MESSAGE_RECEIVED"),
    *_kinds("PREFERENCE", "preference", "PREFERENCE_CHANGED", "PREFERENCES_RESET"),
    *_kinds("PATTERN", "pattern", "PATTERN_DETECTED"),
    # Seed 002: wellbeing app.
    *_kinds("WELLBEING", "daily_scores", "DAILY_SCORES_RECORDED"),
    *_kinds("RECOMMENDATION", "recommendation", "RECOMMENDATION_IMPRESSION", "RECOMMENDATION_VIEWED",
            "RECOMMENDATION_CLICKED", "RECOMMENDATION_FEEDBACK"),
]

#: event type -> catalog entry.
CATALOG: dict[str, EventKind] = {k.event_type: k for k in _ENTRIES}
assert len(CATALOG) == len(_ENTRIES), "duplicate event type in the catalog"

#: Every category, in catalog order.
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(k.category for k in _ENTRIES))

#: Every eventData subject, in catalog order.
SUBJECTS: tuple[str, ...] = tuple(dict.fromkeys(k.subject for k in _ENTRIES))


def category_of(event_type: str) -> str | None:
    """The category of ``event_type``, or None when the type is not in the catalog."""
    kind = CATALOG.get(event_type)
    return kind.category if kind else None


def subject_of(event_type: str) -> str | None:
    """The eventData schema subject of ``event_type``, or None when unknown."""
    kind = CATALOG.get(event_type)
    return kind.subject if kind else None
