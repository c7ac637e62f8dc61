"""What every aggregate table should hold, as SQL over ``user_interaction_event`` alone (pure:
query texts, no database client).

The reference the incremental upserts are checked against (property and fault tests, and an
operator's consistency check, run by :mod:`interlog.recompute`). Each :class:`RecomputedTable`
names the compared columns, the query that recomputes them for one tenant (``%(tenant)s``, with
``%(non_interaction)s`` the categories that are not interactions) and the row order.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregators.item_stats import COUNTED_EVENT_TYPES, RATING_EVENT_TYPE
from aggregators.sessions import NON_INTERACTION_CATEGORIES

SESSION_COLUMNS: tuple[str, ...] = (
    "tenant_id", "session_id", "user_id", "anonymous_id", "start_time", "first_event_id",
    "end_time", "last_event_id", "duration", "device_type", "browser", "os", "referrer",
    "page_views", "perfumes_viewed", "interactions", "event_count", "added_to_wishlist",
    "added_to_collection", "completed_rating", "completed_review", "exit_page", "bounced",
)

SESSIONS_SQL = """
WITH e AS (
    SELECT * FROM interlog.user_interaction_event WHERE tenant_id = %(tenant)s
), firsts AS (
    SELECT DISTINCT ON (session_id) session_id, "timestamp" AS start_time, event_id AS first_event_id,
           device_type, browser, os, referrer
    FROM e ORDER BY session_id, "timestamp", event_id
), lasts AS (
    SELECT DISTINCT ON (session_id) session_id, "timestamp" AS end_time, event_id AS last_event_id,
           path AS exit_page
    FROM e ORDER BY session_id, "timestamp" DESC, event_id DESC
), folds AS (
    SELECT session_id,
           max(user_id COLLATE "C") AS user_id,
           max(anonymous_id COLLATE "C") AS anonymous_id,
           count(*) FILTER (WHERE event_category = 'VIEW')::int AS page_views,
           count(*) FILTER (WHERE event_type = 'PERFUME_VIEW')::int AS perfumes_viewed,
           count(*) FILTER (WHERE event_category <> ALL(%(non_interaction)s))::int AS interactions,
           count(*)::int AS event_count,
           bool_or(event_type = 'WISHLIST_ADD') AS added_to_wishlist,
           bool_or(event_type = 'COLLECTION_ADD') AS added_to_collection,
           bool_or(event_type = 'RATING_COMPLETED') AS completed_rating,
           bool_or(event_type = 'REVIEW_SUBMITTED') AS completed_review
    FROM e GROUP BY session_id
)
SELECT %(tenant)s AS tenant_id, f.session_id, f.user_id, f.anonymous_id, a.start_time,
       a.first_event_id, z.end_time, z.last_event_id,
       floor(extract(epoch FROM z.end_time - a.start_time))::integer AS duration,
       a.device_type, a.browser, a.os, a.referrer, f.page_views, f.perfumes_viewed, f.interactions,
       f.event_count, f.added_to_wishlist, f.added_to_collection, f.completed_rating,
       f.completed_review, z.exit_page, (f.page_views <= 1 AND f.interactions = 0) AS bounced
FROM folds f JOIN firsts a USING (session_id) JOIN lasts z USING (session_id)
ORDER BY f.session_id
"""

ITEM_COLUMNS: tuple[str, ...] = (
    "tenant_id", "item_type", "item_id", "total_views", "unique_viewers", "view_duration_sum",
    "view_duration_count", "avg_view_duration", "total_ratings", "rating_sum", "rating_count",
    "avg_rating", "total_reviews", "in_wishlist_count", "in_collection_count", "search_clicks",
    "trade_inquiries", "trade_completed", "first_seen_at", "last_viewed_at",
)

_COUNTER_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for f, _ in COUNTED_EVENT_TYPES.values()))
_COUNTERS = ",\n           ".join(
    "coalesce(sum(CASE event_type "
    + " ".join(f"WHEN '{t}' THEN {step}" for t, (f2, step) in COUNTED_EVENT_TYPES.items() if f2 == field)
    + f" ELSE 0 END), 0)::bigint AS {field}"
    for field in _COUNTER_FIELDS
)

ITEMS_SQL = f"""
WITH e AS (
    SELECT ev.*, ref.item_type, ref.item_id,
           CASE WHEN event_type = '{RATING_EVENT_TYPE}' THEN coalesce(
               value,
               CASE WHEN jsonb_typeof(event_data #> '{{ratings,overall}}') = 'number'
                    THEN (event_data #>> '{{ratings,overall}}')::double precision END
           )::numeric END AS rating
    FROM interlog.user_interaction_event ev
    CROSS JOIN LATERAL (SELECT
        CASE WHEN ev.event_type = 'HOUSE_VIEW' AND ev.house_id IS NOT NULL THEN 'house'
             WHEN ev.perfume_id IS NOT NULL THEN 'perfume'
             WHEN ev.house_id IS NOT NULL THEN 'house'
             WHEN ev.note_id IS NOT NULL THEN 'note' END AS item_type,
        CASE WHEN ev.event_type = 'HOUSE_VIEW' AND ev.house_id IS NOT NULL THEN ev.house_id
             ELSE coalesce(ev.perfume_id, ev.house_id, ev.note_id) END AS item_id) ref
    WHERE ev.tenant_id = %(tenant)s
), folds AS (
    SELECT item_type, item_id,
           count(*) FILTER (WHERE event_category = 'VIEW') AS total_views,
           count(DISTINCT coalesce(user_id, anonymous_id)) FILTER (WHERE event_category = 'VIEW')
               AS unique_viewers,
           coalesce(sum(duration) FILTER (WHERE event_category = 'VIEW'), 0)::bigint AS view_duration_sum,
           count(duration) FILTER (WHERE event_category = 'VIEW') AS view_duration_count,
           count(*) FILTER (WHERE event_type = '{RATING_EVENT_TYPE}') AS total_ratings,
           coalesce(sum(rating), 0) AS rating_sum,
           count(rating) AS rating_count,
           {_COUNTERS},
           min("timestamp") AS first_seen_at,
           max("timestamp") FILTER (WHERE event_category = 'VIEW') AS last_viewed_at
    FROM e WHERE item_type IS NOT NULL GROUP BY item_type, item_id
)
SELECT %(tenant)s AS tenant_id, item_type, item_id, total_views, unique_viewers,
       view_duration_sum, view_duration_count,
       CASE WHEN view_duration_count > 0
            THEN view_duration_sum::double precision / view_duration_count ELSE 0 END,
       total_ratings, rating_sum, rating_count,
       CASE WHEN rating_count > 0 THEN (rating_sum / rating_count)::double precision END,
       total_reviews, in_wishlist_count, in_collection_count, search_clicks, trade_inquiries,
       trade_completed,
       first_seen_at, last_viewed_at
FROM folds ORDER BY item_type, item_id
"""

VIEWER_COLUMNS: tuple[str, ...] = ("tenant_id", "item_type", "item_id", "viewer_id")

VIEWERS_SQL = """
SELECT DISTINCT tenant_id, item_type, item_id, viewer_id FROM (
    SELECT tenant_id,
           CASE WHEN event_type = 'HOUSE_VIEW' AND house_id IS NOT NULL THEN 'house'
                WHEN perfume_id IS NOT NULL THEN 'perfume'
                WHEN house_id IS NOT NULL THEN 'house'
                WHEN note_id IS NOT NULL THEN 'note' END AS item_type,
           CASE WHEN event_type = 'HOUSE_VIEW' AND house_id IS NOT NULL THEN house_id
                ELSE coalesce(perfume_id, house_id, note_id) END AS item_id,
           coalesce(user_id, anonymous_id) AS viewer_id
    FROM interlog.user_interaction_event
    WHERE tenant_id = %(tenant)s AND event_category = 'VIEW'
) v WHERE item_type IS NOT NULL AND viewer_id IS NOT NULL
ORDER BY item_type, item_id, viewer_id
"""



@dataclass(frozen=True)
class RecomputedTable:
    table: str  # in schema interlog
    columns: tuple[str, ...]  # compared columns, in the query's order
    query: str  # the expected rows of one tenant, ordered by ``order``
    order: str  # ORDER BY of the stored rows (the table's key)


RECOMPUTED_TABLES: tuple[RecomputedTable, ...] = (
    RecomputedTable("user_session", SESSION_COLUMNS, SESSIONS_SQL, "session_id"),
    RecomputedTable("item_interaction_stats", ITEM_COLUMNS, ITEMS_SQL, "item_type, item_id"),
    RecomputedTable("item_viewer", VIEWER_COLUMNS, VIEWERS_SQL, "item_type, item_id, viewer_id"),
)
QUERY_PARAMETERS = {"non_interaction": sorted(NON_INTERACTION_CATEGORIES)}
