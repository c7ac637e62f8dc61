"""``interlog simulate``: realistic perfume-catalogue traffic through the Python SDK and the bridge.

Each simulated user browses in sessions: page views with web vitals, searches and result clicks,
filters, perfume/house/note views, wishlist adds, ratings (1-5), reviews, and the odd error.
Progress goes to stderr (rich); the run ends with one summary line.

Options: ``--users N`` (default 20), ``--duration-s S`` (default 30), ``--rate R`` (events/s per
user, default 2), ``--write-key K`` (default: a new write key of tenant ``demo``),
``--endpoint URL`` (default: the settings' bridge URL), ``--seed N``, ``--gzip``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from interlog.keys import create_key
from interlog.settings import Settings
from producers.sdk import Client

HOUSES = ["chanel", "dior", "guerlain", "hermes", "le-labo", "byredo", "diptyque", "creed", "amouage"]
NOTES = ["bergamot", "rose", "oud", "vanilla", "vetiver", "iris", "amber", "sandalwood", "jasmine",
         "patchouli", "musk", "tonka", "leather", "neroli", "cedar"]
QUERIES = ["fresh summer", "oud", "vanilla gourmand", "rose", "office scent", "date night", "iris",
           "citrus cologne", "leather", "niche woody", "long lasting", "under 100"]
PERFUMES = [f"{h}-{n}-{i}" for h in HOUSES for i, n in enumerate(NOTES[:6])]
REVIEWS = ["Lovely drydown.", "Too sweet for me.", "Great longevity, soft sillage."]
PAGES = ["/", "/discover", "/houses", "/notes", "/collections/summer", "/trending"]
DEVICES = [("desktop", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"),
           ("mobile", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1"),
           ("tablet", "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Safari/604.1")]


@dataclass
class SimUser:
    """One browsing user: identity, device, current session and last perfume looked at."""

    anonymous_id: str
    user_id: str | None
    context: dict[str, Any]
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    perfume: str | None = None


def _vitals(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"metric": "TTFB", "value": round(rng.lognormvariate(5.0, 0.5), 1), "unit": "ms"},
        {"metric": "FCP", "value": round(rng.lognormvariate(6.8, 0.4), 1), "unit": "ms"},
        {"metric": "LCP", "value": round(rng.lognormvariate(7.3, 0.4), 1), "unit": "ms"},
        {"metric": "CLS", "value": round(rng.random() * 0.3, 3), "unit": "score"},
    ]


def session_events(user: SimUser, rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """The ``(eventType, props)`` of one browsing session, in order."""
    page = rng.choice(PAGES)
    yield "PAGE_VIEW", {"path": page, "title": "Perfume catalogue", "loadTime": rng.randint(200, 2500)}
    if rng.random() < 0.5:  # web vitals are sampled, as a browser SDK would
        for vital in _vitals(rng):
            yield "PERFORMANCE_METRIC", {"path": page, "value": vital["value"], "event_data": vital}
    for _ in range(rng.randint(2, 10)):
        step = rng.random()
        if step < 0.3:
            query = rng.choice(QUERIES)
            results = rng.choice([0, 3, 12, 40])
            yield "SEARCH_PERFORMED", {"path": "/search", "query": query, "queryLength": len(query),
                                       "resultsCount": results, "hasResults": results > 0}
            if results:
                user.perfume = rng.choice(PERFUMES)
                yield "SEARCH_RESULT_CLICKED", {"path": "/search", "perfume_id": user.perfume,
                                                "query": query, "position": rng.randint(1, min(10, results)),
                                                "resultsCount": results}
        elif step < 0.45:
            yield "FILTER_APPLIED", {
                "path": "/discover", "filterType": rng.choice(["house", "note", "price"]),
                "filterValue": rng.choice(HOUSES + NOTES), "resultsCount": rng.randint(0, 80),
            }
        elif step < 0.55:
            house = rng.choice(HOUSES)
            yield "HOUSE_VIEW", {"path": f"/houses/{house}", "house_id": house}
        else:
            user.perfume = user.perfume or rng.choice(PERFUMES)
            yield "PERFUME_VIEW", {"path": f"/perfumes/{user.perfume}", "perfume_id": user.perfume,
                                   "house_id": user.perfume.split("-")[0],
                                   "duration": rng.randint(2_000, 90_000)}
            if rng.random() < 0.3:
                note = rng.choice(NOTES)
                yield "NOTES_EXPANDED", {
                    "path": f"/perfumes/{user.perfume}", "note_id": note, "perfume_id": user.perfume,
                    "noteType": rng.choice(["top", "heart", "base"]),
                }
            if rng.random() < 0.2:
                yield "WISHLIST_ADD", {"perfume_id": user.perfume, "source": "perfume_page",
                                       "listSize": rng.randint(1, 30)}
            if user.user_id and rng.random() < 0.15:
                rating = rng.randint(1, 5)
                yield "RATING_COMPLETED", {
                    "perfume_id": user.perfume, "value": rating, "ratings": {"overall": rating},
                    "timeToComplete": rng.randint(2, 40),
                }
                if rng.random() < 0.4:
                    text = rng.choice(REVIEWS)
                    yield "REVIEW_SUBMITTED", {"perfume_id": user.perfume, "value": rating, "rating": rating,
                                               "reviewText": text, "reviewLength": len(text)}
        if rng.random() < 0.02:
            yield "ERROR", {
                "path": page, "message": "Failed to load recommendations",
                "component": "RecommendationStrip", "critical": False, "errorType": "NetworkError",
            }


def _new_user(rng: random.Random) -> SimUser:
    device, agent = rng.choice(DEVICES)
    logged_in = rng.random() < 0.6
    return SimUser(
        anonymous_id=str(uuid.uuid4()),
        user_id=f"user-{rng.randint(1, 5000)}" if logged_in else None,
        context={"deviceType": device, "userAgent": agent, "locale": rng.choice(["en-US", "fr-FR", "de-DE"]),
                 "timezone": "Europe/Paris", "platform": "web"},
    )


def _parse(args: list[str], settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="interlog simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--duration-s", type=float, default=30.0, help="run time in seconds (default 30)")
    parser.add_argument("--rate", type=float, default=2.0, help="events/s per user (default 2)")
    parser.add_argument("--write-key", default=None, help="write key (default: new key of tenant demo)")
    parser.add_argument("--endpoint", default=settings.bridge_url, help="bridge URL")
    parser.add_argument("--seed", type=int, default=None, help="random seed")
    parser.add_argument("--gzip", action="store_true", help="gzip request bodies")
    return parser.parse_args(args)


def simulate(client: Client, users: int, duration_s: float, rate: float, rng: random.Random,
             progress: Progress | None = None) -> Counter[str]:
    """Send events for ``duration_s`` at ``users * rate`` events/s; returns counts by type."""
    population = [_new_user(rng) for _ in range(users)]
    streams = {id(u): session_events(u, rng) for u in population}
    counts: Counter[str] = Counter()
    total_rate = max(0.1, users * rate)
    started = time.monotonic()
    task = progress.add_task("simulating", total=duration_s) if progress else None
    sent = 0
    while (elapsed := time.monotonic() - started) < duration_s:
        due = int(elapsed * total_rate) - sent
        for _ in range(due):
            user = rng.choice(population)
            try:
                event_type, props = next(streams[id(user)])
            except StopIteration:
                user.session_id, user.perfume = str(uuid.uuid4()), None
                if rng.random() < 0.1:
                    population.remove(user)
                    user = _new_user(rng)
                    population.append(user)
                streams[id(user)] = session_events(user, rng)
                event_type, props = next(streams[id(user)])
            client.track(event_type, user_id=user.user_id, anonymous_id=user.anonymous_id,
                         session_id=user.session_id, context=user.context, **props)
            counts[event_type] += 1
        sent += max(0, due)
        if progress is not None and task is not None:
            progress.update(task, completed=min(elapsed, duration_s),
                            description=f"simulating: {sent} events, {client.stats.accepted} accepted")
        time.sleep(0.05)
    return counts


def run(settings: Settings, args: list[str]) -> None:
    """Entry point of ``interlog simulate [options]`` (see the module docstring)."""
    options = _parse(args, settings)
    key = options.write_key or create_key(settings.database_url, "demo", "write")
    rng = random.Random(options.seed)
    console = Console(stderr=True)
    client = Client(key, options.endpoint, gzip=options.gzip)
    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            counts = simulate(client, options.users, options.duration_s, options.rate, rng, progress)
        delivered = client.flush(timeout_s=30.0)
    except KeyboardInterrupt:
        counts, delivered = Counter(), client.flush(timeout_s=5.0)
    finally:
        client.close(timeout_s=5.0)
    stats = client.stats
    elapsed = time.monotonic() - started
    top = ", ".join(f"{name}={n}" for name, n in counts.most_common(5))
    print(
        f"simulate: {options.users} users, {stats.queued} events in {elapsed:.1f} s; "
        f"accepted {stats.accepted}, rejected {stats.rejected}, "
        f"dropped {stats.dropped_queue_full + stats.dropped_client_error}, retries {stats.retries}, "
        f"requests {stats.requests}{'' if delivered else ', NOT all delivered'}; top: {top}",
        file=sys.stdout,
    )
