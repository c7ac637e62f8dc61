"""``interlog demo`` (``make demo``): the whole pipeline on the local stack, bounded, with a summary.

Starts the stack (Kafka, PostgreSQL, bridge, validate, store), sends simulated perfume-catalogue
traffic through the Python SDK and the bridge for a fixed time, waits (with a deadline) until every
accepted event is a row in ``interlog.user_interaction_event``, then prints what the analysts see.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from typing import Any

import psycopg

from interlog.exceptions import InterlogError
from interlog.keys import create_key
from interlog.settings import Settings

USERS = 25
DURATION_S = 15.0
RATE_PER_USER = 4.0
DRAIN_TIMEOUT_S = 120.0


def run(settings: Settings) -> None:
    from cli.stack.local import LocalStack
    from producers.sdk import Client
    from producers.simulate import simulate

    started = time.monotonic()
    stack = LocalStack(settings)
    stack.up()
    missing = [name for name in ("bridge", "validate", "store") if name not in stack.services]
    if missing:
        raise InterlogError(f"the demo needs the {', '.join(missing)} service(s), missing from this build")
    tenant = f"demo-{uuid.uuid4().hex[:6]}"
    key = create_key(settings.database_url, tenant, "write")
    _say(f"stack ready in {time.monotonic() - started:.1f} s; tenant {tenant}; "
         f"simulating {USERS} users for {DURATION_S:.0f} s")

    client = Client(key, settings.bridge_url)
    try:
        counts = simulate(client, USERS, DURATION_S, RATE_PER_USER, random.Random(7))
        client.flush(timeout_s=30.0)
    finally:
        client.close(timeout_s=10.0)
    accepted = client.stats.accepted
    _say(f"sent {sum(counts.values())} events, bridge accepted {accepted}; waiting for the store")

    stored = _wait_stored(settings.database_url, tenant, accepted)
    summary = _summary(settings.database_url, tenant)
    print(f"\ninterlog demo: tenant {tenant}")
    print(f"  events accepted by the bridge  {accepted}")
    print(f"  rows in user_interaction_event {stored}")
    print(f"  sessions                       {summary['sessions']} "
          f"(bounced {summary['bounced']}, avg duration {summary['avg_duration']:.0f} s)")
    print(f"  users / anonymous visitors     {summary['users']} / {summary['anonymous']}")
    print("  events by category             " +
          ", ".join(f"{c}={n}" for c, n in summary["categories"]))
    print("  most viewed perfumes           " +
          ", ".join(f"{i} ({v} views, {u} viewers)" for i, v, u in summary["top_items"]))
    print(f"  pipeline time                  {time.monotonic() - started:.1f} s")
    if stored != accepted:
        raise InterlogError(f"only {stored} of {accepted} accepted events reached the table")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _wait_stored(database_url: str, tenant: str, expected: int) -> int:
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM interlog.user_interaction_event WHERE tenant_id = %s", (tenant,)
            ).fetchone()
            stored = int(row[0]) if row else 0
            if stored >= expected or time.monotonic() > deadline:
                return stored
            time.sleep(0.2)


def _summary(database_url: str, tenant: str) -> dict[str, Any]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        sessions = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE bounced), coalesce(avg(duration), 0),"
            " count(DISTINCT user_id), count(DISTINCT anonymous_id) FILTER (WHERE user_id IS NULL)"
            " FROM interlog.user_session WHERE tenant_id = %s", (tenant,)
        ).fetchone()
        categories = conn.execute(
            "SELECT event_category, count(*) FROM interlog.user_interaction_event"
            " WHERE tenant_id = %s GROUP BY 1 ORDER BY 2 DESC", (tenant,)
        ).fetchall()
        top_items = conn.execute(
            "SELECT item_id, total_views, unique_viewers FROM interlog.item_interaction_stats"
            " WHERE tenant_id = %s AND item_type = 'perfume' ORDER BY total_views DESC, item_id LIMIT 3",
            (tenant,),
        ).fetchall()
    assert sessions is not None
    return {
        "sessions": sessions[0], "bounced": sessions[1], "avg_duration": float(sessions[2]),
        "users": sessions[3], "anonymous": sessions[4], "categories": categories,
        "top_items": top_items,
    }
