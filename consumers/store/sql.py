"""SQL of the store stage: staging, the event INSERT, the aggregate upserts, the offset compare-and-set.

Each aggregate upsert combines the stored row with the delta by the same operation the fold in
``aggregators/`` uses (add, OR, LEAST/GREATEST, "first/last by (timestamp, event_id)"), so the
result does not depend on which batch an event arrived in.
"""

from __future__ import annotations

from consumers.store.rows import EVENT_COLUMNS

STAGING_TABLE = "pg_temp.store_staging"

CREATE_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS store_staging ("
    + ", ".join(f'"{c.name}" {c.staging_type}' for c in EVENT_COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)

COPY_STAGING = (
    f"COPY {STAGING_TABLE} ("
    + ", ".join(f'"{c.name}"' for c in EVENT_COLUMNS)
    + ") FROM STDIN (FORMAT BINARY)"
)

INSERT_EVENTS = (
    "INSERT INTO interlog.user_interaction_event ("
    + ", ".join(f'"{c.name}"' for c in EVENT_COLUMNS)
    + ") SELECT "
    + ", ".join(c.target_expr for c in EVENT_COLUMNS)
    + f" FROM {STAGING_TABLE} ON CONFLICT DO NOTHING"
    " RETURNING tenant_id, event_id::text, \"timestamp\""
)

# Direct COPY into the partitioned table: the fast path of a batch of new events, and the
# benchmark's physical ceiling.
COPY_EVENTS_DIRECT = (
    "COPY interlog.user_interaction_event ("
    + ", ".join(f'"{c.name}"' for c in EVENT_COLUMNS)
    + ") FROM STDIN (FORMAT BINARY)"
)


_FIRST_WINS = "CASE WHEN (EXCLUDED.start_time, EXCLUDED.first_event_id) < (s.start_time, s.first_event_id)" \
    " THEN EXCLUDED.{col} ELSE s.{col} END"
_LAST_WINS = "CASE WHEN (EXCLUDED.end_time, EXCLUDED.last_event_id) > (s.end_time, s.last_event_id)" \
    " THEN EXCLUDED.{col} ELSE s.{col} END"

# The deltas travel as one JSON document per table (an array of row arrays, in key order, written
# by orjson in prepare.py); ``_from_json`` turns element ``r`` back into typed columns. Adapting one
# Python list per column instead costs the writer thread about 4x more time holding the GIL.
SESSION_DELTA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tenant_id", "text"), ("session_id", "text"), ("user_id", "text"), ("anonymous_id", "text"),
    ("start_time", "timestamptz"), ("first_event_id", "uuid"), ("end_time", "timestamptz"),
    ("last_event_id", "uuid"), ("device_type", "text"), ("browser", "text"), ("os", "text"),
    ("referrer", "text"), ("exit_page", "text"), ("page_views", "int"), ("perfumes_viewed", "int"),
    ("interactions", "int"), ("event_count", "int"), ("added_to_wishlist", "bool"),
    ("added_to_collection", "bool"), ("completed_rating", "bool"), ("completed_review", "bool"),
)


def _from_json(columns: tuple[tuple[str, str], ...], element: str = "r") -> str:
    return ", ".join(f"({element}->>{i})::{kind} AS {name}" for i, (name, kind) in enumerate(columns))


UPSERT_SESSIONS = f"""
INSERT INTO interlog.user_session AS s ({", ".join(name for name, _ in SESSION_DELTA_COLUMNS)})
SELECT {_from_json(SESSION_DELTA_COLUMNS)}
FROM jsonb_array_elements(%s::jsonb) AS r
ON CONFLICT (tenant_id, session_id) DO UPDATE SET
    user_id = GREATEST(s.user_id COLLATE "C", EXCLUDED.user_id),
    anonymous_id = GREATEST(s.anonymous_id COLLATE "C", EXCLUDED.anonymous_id),
    device_type = {_FIRST_WINS.format(col="device_type")},
    browser = {_FIRST_WINS.format(col="browser")},
    os = {_FIRST_WINS.format(col="os")},
    referrer = {_FIRST_WINS.format(col="referrer")},
    start_time = {_FIRST_WINS.format(col="start_time")},
    first_event_id = {_FIRST_WINS.format(col="first_event_id")},
    exit_page = {_LAST_WINS.format(col="exit_page")},
    end_time = {_LAST_WINS.format(col="end_time")},
    last_event_id = {_LAST_WINS.format(col="last_event_id")},
    page_views = s.page_views + EXCLUDED.page_views,
    perfumes_viewed = s.perfumes_viewed + EXCLUDED.perfumes_viewed,
    interactions = s.interactions + EXCLUDED.interactions,
    event_count = s.event_count + EXCLUDED.event_count,
    added_to_wishlist = s.added_to_wishlist OR EXCLUDED.added_to_wishlist,
    added_to_collection = s.added_to_collection OR EXCLUDED.added_to_collection,
    completed_rating = s.completed_rating OR EXCLUDED.completed_rating,
    completed_review = s.completed_review OR EXCLUDED.completed_review,
    updated_at = now()
"""

# Per-item counters added as deltas; ``unique_viewers`` is counted by the statement itself.
ITEM_DELTA_COLUMNS: tuple[str, ...] = (
    "total_views", "view_duration_sum", "view_duration_count", "total_ratings",
    "rating_sum", "rating_count", "total_reviews", "in_wishlist_count", "in_collection_count",
    "search_clicks", "trade_inquiries", "trade_completed",
)
ITEM_KEY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tenant_id", "text"), ("item_type", "text"), ("item_id", "text"),
)
VIEWER_COLUMNS: tuple[tuple[str, str], ...] = (*ITEM_KEY_COLUMNS, ("viewer_id", "text"))
ITEM_ROW_COLUMNS: tuple[tuple[str, str], ...] = (
    *ITEM_KEY_COLUMNS, ("first_seen_at", "timestamptz"), ("last_viewed_at", "timestamptz"),
    *((c, "numeric" if c == "rating_sum" else "bigint") for c in ITEM_DELTA_COLUMNS),
)

# Exact unique viewers and item stats in one statement (parameters: the viewer pairs, then the
# item rows): the (item, viewer) pairs that are new in item_viewer count once each into their
# item's unique_viewers; every viewer pair belongs to an item of the batch (viewers come from view
# events on items). Rows are written in key order.
UPSERT_ITEMS = f"""
WITH new_viewers AS (
    INSERT INTO interlog.item_viewer (tenant_id, item_type, item_id, viewer_id)
    SELECT {_from_json(VIEWER_COLUMNS, "v")}
    FROM jsonb_array_elements(%s::jsonb) AS v
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, item_type, item_id
), viewer_counts AS (
    SELECT tenant_id, item_type, item_id, count(*) AS unique_viewers
    FROM new_viewers GROUP BY tenant_id, item_type, item_id
)
INSERT INTO interlog.item_interaction_stats AS s (
    tenant_id, item_type, item_id, first_seen_at, last_viewed_at, unique_viewers,
    {", ".join(ITEM_DELTA_COLUMNS)})
SELECT d.tenant_id, d.item_type, d.item_id, d.first_seen_at, d.last_viewed_at,
       coalesce(v.unique_viewers, 0), {", ".join(f"d.{c}" for c in ITEM_DELTA_COLUMNS)}
FROM (SELECT {_from_json(ITEM_ROW_COLUMNS)} FROM jsonb_array_elements(%s::jsonb) AS r) AS d
LEFT JOIN viewer_counts v
    ON v.tenant_id = d.tenant_id AND v.item_type = d.item_type AND v.item_id = d.item_id
ORDER BY d.tenant_id, d.item_type, d.item_id
ON CONFLICT (tenant_id, item_type, item_id) DO UPDATE SET
    first_seen_at = LEAST(s.first_seen_at, EXCLUDED.first_seen_at),
    last_viewed_at = GREATEST(s.last_viewed_at, EXCLUDED.last_viewed_at),
    unique_viewers = s.unique_viewers + EXCLUDED.unique_viewers,
    {", ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in ITEM_DELTA_COLUMNS)},
    updated_at = now()
"""

READ_OFFSETS = """
SELECT partition, next_offset FROM interlog.consumer_offset
WHERE group_id = %s AND topic = %s AND partition = ANY(%s::int[])
"""

# Compare-and-set: only where the stored offset is still the one this consumer started from.
ADVANCE_OFFSETS = """
UPDATE interlog.consumer_offset AS o
SET next_offset = v.next_offset, updated_at = now()
FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) AS v(partition, expected, next_offset)
WHERE o.group_id = %s AND o.topic = %s AND o.partition = v.partition AND o.next_offset = v.expected
RETURNING o.partition
"""

# First commit of a partition: succeeds only if no other consumer created the row meanwhile.
CREATE_OFFSETS = """
INSERT INTO interlog.consumer_offset (group_id, topic, partition, next_offset)
SELECT %s, %s, v.partition, v.next_offset
FROM unnest(%s::int[], %s::bigint[]) AS v(partition, next_offset)
ON CONFLICT DO NOTHING
RETURNING partition
"""
