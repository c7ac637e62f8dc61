"""Realistic raw topic records (client event + bridge stamps) for the validate tests and bench.

Deterministic for a given seed. The mix follows what the seeds' apps send most: page and perfume
views, UI clicks and scrolls, performance metrics, searches, some ratings, reviews, messages and
generations with free text (a few containing PII), errors, and a share of events without analytics
consent.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
)
PATHS = ("/", "/perfumes", "/perfumes/{p}", "/houses/{h}", "/search", "/collection", "/wishlist",
         "/perfumes/{p}?utm_source=newsletter&utm_medium=email", "/profile/settings")
NOTES = ("bergamot", "oud", "vanilla", "rose", "sandalwood", "amber", "vetiver", "iris")
TEXTS = ("Lovely dry down, lasts all day on me.", "Too sweet for summer but great in winter",
         "Smells like rain on warm stone", "Reminds me of my grandmother's garden",
         "Contact me at jane.doe@example.com for a swap", "call me on +1 415 555 0134 please")


def _ts(value: dt.datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _event_data(rng: random.Random, event_type: str) -> dict[str, Any]:
    if event_type in ("PAGE_VIEW", "PERFUME_VIEW"):
        return {"title": "Perfume details", "viewDuration": rng.randint(200, 90000),
                "scrollDepth": rng.randint(0, 100), "source": rng.choice(("direct", "search")),
                "viewport": {"width": 1280, "height": 800}}
    if event_type == "CLICK":
        return {"target": "button", "label": rng.choice(("Add to wishlist", "Show notes", "Next")),
                "details": {"section": "hero"}}
    if event_type == "SCROLL":
        return {"scrollDepth": rng.randint(0, 100), "direction": "down"}
    if event_type == "PERFORMANCE_METRIC":
        return {"metric": rng.choice(("FCP", "TTI", "CLS", "API_RESPONSE_TIME")),
                "value": round(rng.uniform(0, 3000), 1), "unit": "ms",
                "endpoint": "https://api.example.com/v1/perfumes?page=2&token=abc123def"}
    if event_type == "SEARCH_PERFORMED":
        query = " ".join(rng.sample(NOTES, 2))
        return {"query": query, "queryLength": len(query), "queryWords": query.split(),
                "resultsCount": rng.randint(0, 200), "filters": {"notes": [rng.choice(NOTES)]}}
    if event_type == "RATING_COMPLETED":
        return {"ratings": {"overall": rng.randint(1, 5), "longevity": rng.randint(1, 5)},
                "timeToComplete": rng.randint(2, 60), "source": "detail_page"}
    if event_type == "REVIEW_SUBMITTED":
        text = rng.choice(TEXTS)
        return {"reviewText": text, "reviewLength": len(text), "rating": rng.randint(1, 5)}
    if event_type == "MESSAGE_SENT":
        return {"conversationId": f"c-{rng.randint(1, 50)}", "role": "user", "content": rng.choice(TEXTS)}
    if event_type == "GENERATION_COMPLETED":
        return {"generationTime": rng.randint(300, 9000), "promptLength": 42, "provider": "openai",
                "success": rng.random() > 0.05, "prompt": "a fresh citrus scent for summer"}
    if event_type == "ERROR":
        return {"message": "TypeError: cannot read properties of undefined", "component": "NotesPanel",
                "critical": False, "props": {"userEmail": "x@example.com"}}
    if event_type == "DAILY_SCORES_RECORDED":
        return {"date": "2026-03-04", "energy": rng.randint(0, 100), "focus": rng.randint(0, 100),
                "fulfillment": rng.randint(0, 100)}
    return {}


MIX: tuple[tuple[str, int], ...] = (
    ("PAGE_VIEW", 22), ("PERFUME_VIEW", 14), ("CLICK", 18), ("SCROLL", 10),
    ("PERFORMANCE_METRIC", 10), ("SEARCH_PERFORMED", 7), ("RATING_COMPLETED", 4),
    ("REVIEW_SUBMITTED", 2), ("MESSAGE_SENT", 4), ("GENERATION_COMPLETED", 3), ("ERROR", 2),
    ("DAILY_SCORES_RECORDED", 2), ("WISHLIST_ADD", 2),
)


def raw_event(rng: random.Random, now: dt.datetime, tenant_id: str = "tenant-a",
              event_type: str | None = None) -> dict[str, Any]:
    """One realistic raw topic record (as the bridge writes it), as a dict."""
    if event_type is None:
        types, weights = zip(*MIX, strict=True)
        event_type = rng.choices(types, weights)[0]
    user = rng.randint(1, 500)
    perfume = f"p-{rng.randint(1, 300)}"
    sent_at = now - dt.timedelta(seconds=rng.uniform(0, 5))
    client_clock_error = dt.timedelta(seconds=rng.uniform(-30, 30))
    event: dict[str, Any] = {
        "eventId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "eventType": event_type,
        "timestamp": _ts(sent_at - dt.timedelta(seconds=rng.uniform(0, 10)) + client_clock_error),
        "sessionId": f"s-{user}-{rng.randint(1, 3)}",
        "path": rng.choice(PATHS).format(p=perfume, h="h-7"),
        "perfumeId": perfume if event_type in ("PERFUME_VIEW", "RATING_COMPLETED", "REVIEW_SUBMITTED",
                                               "WISHLIST_ADD") else None,
        "eventData": _event_data(rng, event_type),
        "context": {"locale": rng.choice(("en-US", "de-DE", "fr-FR")), "timezone": "Europe/Berlin",
                    "appVersion": "2.4.1", "platform": "web",
                    "referrer": rng.choice(("https://www.google.com/", None,
                                            "https://example.com/blog?utm_source=x&session=99#top"))},
        "receivedAt": _ts(now),
        "tenantId": tenant_id,
        "clientIp": f"2001:db8:{user:x}::1" if user % 5 == 0 else f"203.0.{user % 256}.{user * 7 % 254 + 1}",
        "userAgent": rng.choice(USER_AGENTS),
        "sentAt": _ts(sent_at + client_clock_error),
    }
    if rng.random() < 0.8:
        event["userId"] = f"user-{user}"
    else:
        event["anonymousId"] = f"anon-{user * 2654435761 % 2**32:08x}"  # one per device
    if event_type == "CLICK":
        event["component"], event["action"] = "PerfumeCard", "click"
    if rng.random() < 0.1:
        event["consent"] = {"analytics": False, "personalization": False}
    elif rng.random() < 0.5:
        event["consent"] = {"analytics": True, "personalization": rng.random() < 0.5}
    if event_type in ("PAGE_VIEW", "PERFUME_VIEW"):
        event["duration"] = event["eventData"]["viewDuration"]
    return {k: v for k, v in event.items() if v is not None}


def realistic_mix(count: int, seed: int = 7, tenant_id: str = "tenant-a",
                  now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """``count`` valid raw events of the realistic mix, received at ``now`` (default: now)."""
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    return [raw_event(rng, now, tenant_id) for _ in range(count)]
