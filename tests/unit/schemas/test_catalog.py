"""The catalog holds every seed event type with its category."""

from __future__ import annotations

from schemas.catalog import CATALOG, category_of, subject_of

SEED_003 = {
    "VIEW": ["PAGE_VIEW", "PERFUME_VIEW", "HOUSE_VIEW", "COLLECTION_VIEW"],
    "SEARCH": ["SEARCH_PERFORMED", "SEARCH_RESULT_CLICKED", "SEARCH_REFINED", "SEARCH_NO_RESULTS"],
    "FILTER": ["FILTER_APPLIED", "FILTER_REMOVED", "FILTER_CLEARED"],
    "RATING": ["RATING_STARTED", "RATING_COMPLETED", "RATING_UPDATED"],
    "REVIEW": ["REVIEW_STARTED", "REVIEW_SUBMITTED", "REVIEW_UPDATED"],
    "WISHLIST": ["WISHLIST_ADD", "WISHLIST_REMOVE"],
    "COLLECTION": ["COLLECTION_ADD", "COLLECTION_UPDATE", "COLLECTION_REMOVE"],
    "ENGAGEMENT": ["IMAGE_VIEWED", "IMAGE_ZOOMED", "NOTES_EXPANDED", "NOTES_COLLAPSED",
                   "SIMILAR_CLICKED", "HOUSE_LINK_CLICKED"],
    "SOCIAL": ["PROFILE_VIEWED", "COLLECTION_SHARED", "TRADE_INQUIRY"],
    "NAVIGATION": ["NAVIGATION_CLICK", "BACK_BUTTON", "EXTERNAL_LINK"],
    "CONVERSION": ["TRADE_OFFERED", "TRADE_ACCEPTED", "TRADE_DECLINED", "PURCHASE_INITIATED",
                   "PURCHASE_COMPLETED"],
}
SEED_004 = {"CLICK": "UI", "INPUT": "UI", "SCROLL": "UI", "NAVIGATION": "NAVIGATION",
            "STATE_TRANSITION": "STATE", "PERFORMANCE_METRIC": "PERFORMANCE", "ERROR": "ERROR",
            "GENERATION_COMPLETED": "GENERATION"}
DOMAIN_PACKS = ["READING", "CHAT", "FEEDBACK", "SHARE", "CONVERSATION_STARTED", "MESSAGE_SENT",
                "MESSAGE_RECEIVED", "PREFERENCE_CHANGED", "PATTERN_DETECTED", "DAILY_SCORES_RECORDED",
                "RECOMMENDATION_IMPRESSION", "RECOMMENDATION_VIEWED", "RECOMMENDATION_CLICKED"]


def test_seed_003_types_have_their_categories() -> None:
    for category, types in SEED_003.items():
        for event_type in types:
            assert category_of(event_type) == category, event_type


def test_seed_004_families_are_in_the_catalog() -> None:
    for event_type, category in SEED_004.items():
        assert category_of(event_type) == category


def test_domain_pack_types_are_in_the_catalog() -> None:
    for event_type in DOMAIN_PACKS:
        assert event_type in CATALOG


def test_unknown_types_have_no_category_or_subject() -> None:
    assert category_of("NOPE") is None and subject_of("NOPE") is None
