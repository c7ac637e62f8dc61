"""Realistic canonical validated events for the store benchmark and tests (deterministic, pure).

Sessions of 1-40 events of seed 003 types (views dominate, then search/engagement, a few ratings,
wishlist and collection changes), spread over the given time window, with a pool of users,
anonymous visitors, perfumes, houses and notes so that aggregates have realistic key overlap.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

#: (event type, category, weight)
EVENT_MIX: tuple[tuple[str, str, int], ...] = (
    ("PAGE_VIEW", "VIEW", 30),
    ("PERFUME_VIEW", "VIEW", 30),
    ("HOUSE_VIEW", "VIEW", 6),
    ("SEARCH_PERFORMED", "SEARCH", 8),
    ("SEARCH_RESULT_CLICKED", "SEARCH", 5),
    ("FILTER_APPLIED", "FILTER", 3),
    ("IMAGE_VIEWED", "ENGAGEMENT", 5),
    ("NOTES_EXPANDED", "ENGAGEMENT", 3),
    ("RATING_COMPLETED", "RATING", 2),
    ("REVIEW_SUBMITTED", "REVIEW", 1),
    ("WISHLIST_ADD", "WISHLIST", 2),
    ("WISHLIST_REMOVE", "WISHLIST", 1),
    ("COLLECTION_ADD", "COLLECTION", 1),
    ("COLLECTION_REMOVE", "COLLECTION", 1),
    ("NAVIGATION_CLICK", "NAVIGATION", 3),
    ("TRADE_INQUIRY", "SOCIAL", 1),
)
_TYPES = [t for t, _, _ in EVENT_MIX]
_CATEGORY = {t: c for t, c, _ in EVENT_MIX}
_WEIGHTS = [w for _, _, w in EVENT_MIX]
_DEVICES = (("desktop", "Chrome", "Windows"), ("mobile", "Mobile Safari", "iOS"),
            ("mobile", "Chrome Mobile", "Android"), ("tablet", "Safari", "iPadOS"))
_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)


def sample_events(count: int, tenant_id: str, start: datetime, span: timedelta,
                  seed: int = 0, perfumes: int = 2000, users: int = 5000) -> Iterator[dict[str, Any]]:
    """``count`` events of ``tenant_id`` with timestamps in ``[start, start + span)``."""
    rng = random.Random(seed)
    made = 0
    last = start + span - timedelta(microseconds=1)
    while made < count:
        session_id = f"s-{rng.getrandbits(64):016x}"
        known = rng.random() < 0.6
        user_id = f"u-{rng.randrange(users)}" if known else None
        anonymous_id = f"a-{rng.getrandbits(48):012x}"
        device, browser, os_name = rng.choice(_DEVICES)
        at = start + timedelta(seconds=rng.random() * span.total_seconds())
        for _ in range(min(rng.randint(1, 40), count - made)):
            at = min(at + timedelta(seconds=rng.expovariate(1 / 20)), last)
            event_type = rng.choices(_TYPES, _WEIGHTS)[0]
            yield _event(rng, tenant_id, session_id, user_id, anonymous_id, event_type, at,
                         device, browser, os_name, perfumes)
            made += 1


def _event(rng: random.Random, tenant_id: str, session_id: str, user_id: str | None,
           anonymous_id: str, event_type: str, at: datetime, device: str, browser: str,
           os_name: str, perfumes: int) -> dict[str, Any]:
    perfume_id = house_id = note_id = None
    value: float | None = None
    duration: int | None = None
    data: dict[str, Any] = {}
    path = "/"
    if event_type == "HOUSE_VIEW":
        house_id = f"h-{rng.randrange(200)}"
        path = f"/houses/{house_id}"
    elif event_type in ("PAGE_VIEW", "NAVIGATION_CLICK", "SEARCH_PERFORMED", "FILTER_APPLIED"):
        path = rng.choice(("/", "/search", "/collection", "/profile"))
        if event_type == "SEARCH_PERFORMED":
            query = rng.choice(("oud", "vanilla", "rose", "citrus"))
            data = {"query": query, "resultsCount": rng.randrange(50)}
    elif event_type == "NOTES_EXPANDED":
        note_id = f"n-{rng.randrange(300)}"
        path = "/notes"
    else:
        perfume_id = f"p-{int(rng.paretovariate(1.2)) % perfumes}"
        house_id = f"h-{rng.randrange(200)}"
        path = f"/perfumes/{perfume_id}"
    if event_type in ("PAGE_VIEW", "PERFUME_VIEW", "HOUSE_VIEW"):
        duration = rng.randrange(200, 120_000)
        data = {"title": "Perfume page", "scrollDepth": rng.randrange(100)}
    if event_type == "RATING_COMPLETED":
        value = rng.choice((1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0))
    return {
        "eventId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "tenantId": tenant_id, "eventType": event_type, "eventCategory": _CATEGORY[event_type],
        "timestamp": at, "clientTimestamp": at - timedelta(milliseconds=rng.randrange(2000)),
        "receivedAt": at + timedelta(milliseconds=rng.randrange(500)),
        "sessionId": session_id, "userId": user_id, "anonymousId": anonymous_id, "path": path,
        "component": None, "action": None, "perfumeId": perfume_id, "houseId": house_id,
        "noteId": note_id, "duration": duration, "value": value, "eventData": data,
        "deviceType": device, "browser": browser, "os": os_name, "userAgent": _USER_AGENT,
        "referrer": "https://www.google.com/" if rng.random() < 0.2 else None, "locale": "en-US",
        "timezone": "Europe/Paris", "appVersion": None, "platform": "web",
        "clientIpPrefix": "203.0.113.0/24", "consentAnalytics": True, "consentPersonalization": True,
        "schemaVersion": 1,
    }
