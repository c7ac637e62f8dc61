-- The event table (partitioned by month of the corrected event time) and the aggregates the store
-- stage keeps current in the same transaction as the rows (sessions, item stats, exact viewers).
--
-- Every aggregate column is an order-independent fold so that upserting per-batch deltas gives the
-- same row whatever the arrival order: sums and counts add, min/max/bool_or combine, and the
-- "first"/"last" attributes of a session are taken from the event with the smallest/largest
-- (timestamp, event_id).

CREATE TABLE interlog.user_interaction_event (
    tenant_id                text        NOT NULL,
    event_id                 uuid        NOT NULL,
    timestamp                timestamptz NOT NULL,   -- client time corrected for clock skew
    user_id                  text,
    anonymous_id             text,
    session_id               text        NOT NULL,
    event_type               text        NOT NULL,
    event_category           text        NOT NULL,
    perfume_id               text,
    house_id                 text,
    note_id                  text,
    event_data               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    device_type              text,
    browser                  text,
    os                       text,
    user_agent               text,
    referrer                 text,
    path                     text,
    component                text,
    action                   text,
    duration                 integer,                 -- milliseconds
    value                    double precision,
    locale                   text,
    timezone                 text,
    app_version              text,
    platform                 text,
    client_ip_prefix         text,                    -- '203.0.113.0/24' style, never a full address
    consent_analytics        boolean     NOT NULL DEFAULT true,
    consent_personalization  boolean     NOT NULL DEFAULT true,
    received_at              timestamptz NOT NULL,
    client_timestamp         timestamptz NOT NULL,
    schema_version           integer     NOT NULL,
    PRIMARY KEY (tenant_id, event_id, timestamp)
) PARTITION BY RANGE (timestamp);

-- Seed 003 indexes, tenant first (every query is scoped by tenant).
CREATE INDEX user_interaction_event_user_time_idx
    ON interlog.user_interaction_event (tenant_id, user_id, timestamp);
CREATE INDEX user_interaction_event_session_time_idx
    ON interlog.user_interaction_event (tenant_id, session_id, timestamp);
CREATE INDEX user_interaction_event_type_time_idx
    ON interlog.user_interaction_event (tenant_id, event_type, timestamp);
CREATE INDEX user_interaction_event_perfume_time_idx
    ON interlog.user_interaction_event (tenant_id, perfume_id, timestamp);
CREATE INDEX user_interaction_event_user_type_time_idx
    ON interlog.user_interaction_event (tenant_id, user_id, event_type, timestamp);

-- Creates the monthly partition holding ``month`` (any day of it) if it is missing; returns its name.
-- Besides the parent's indexes, each partition gets a UNIQUE (tenant_id, event_id) index: a client
-- retry of the same event can carry a slightly different skew-corrected timestamp, and the
-- primary key alone (which must contain the partition key) would then store it twice.
-- Callers: migrations, the store stage (when a batch meets a month without a partition), the daily job.
CREATE FUNCTION interlog.ensure_event_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    name text := format('user_interaction_event_%s', to_char(first_day, 'YYYY_MM'));
BEGIN
    -- Serialise concurrent creators (two store instances meeting a new month together).
    PERFORM pg_advisory_xact_lock(hashtext('interlog.ensure_event_partition'));
    IF to_regclass(format('interlog.%I', name)) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE interlog.%I PARTITION OF interlog.user_interaction_event'
            ' FOR VALUES FROM (%L) TO (%L)',
            name,
            (first_day::timestamp AT TIME ZONE 'UTC'),
            ((first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        EXECUTE format('CREATE UNIQUE INDEX %I ON interlog.%I (tenant_id, event_id)',
                       name || '_event_uniq', name);
    END IF;
    RETURN name;
END;
$$;

-- The months from ``from_month`` to ``to_month`` inclusive; returns the partition names.
CREATE FUNCTION interlog.ensure_event_partitions(from_month date, to_month date) RETURNS SETOF text
LANGUAGE sql AS $$
    SELECT interlog.ensure_event_partition(m::date)
    FROM generate_series(date_trunc('month', from_month), date_trunc('month', to_month),
                         interval '1 month') AS m
$$;

-- Current month and the next two.
SELECT interlog.ensure_event_partitions((now() AT TIME ZONE 'UTC')::date,
                                        ((now() AT TIME ZONE 'UTC') + interval '2 months')::date);

-- Seed 003 UserSession, one row per (tenant, sessionId).
CREATE TABLE interlog.user_session (
    tenant_id            text        NOT NULL,
    session_id           text        NOT NULL,
    user_id              text,                    -- greatest non-null userId seen in the session
    anonymous_id         text,                    -- greatest non-null anonymousId seen
    start_time           timestamptz NOT NULL,    -- timestamp of the first event
    first_event_id       uuid        NOT NULL,    -- tie-breaker of the first event
    end_time             timestamptz NOT NULL,    -- timestamp of the last event
    last_event_id        uuid        NOT NULL,    -- tie-breaker of the last event
    duration             integer GENERATED ALWAYS AS
                             (floor(extract(epoch FROM end_time - start_time))::integer) STORED, -- seconds
    device_type          text,                    -- of the first event
    browser              text,                    -- of the first event
    os                   text,                    -- of the first event
    referrer             text,                    -- of the first event (the entry referrer)
    page_views           integer     NOT NULL DEFAULT 0,  -- events of category VIEW
    perfumes_viewed      integer     NOT NULL DEFAULT 0,  -- PERFUME_VIEW events
    interactions         integer     NOT NULL DEFAULT 0,  -- events of an interaction category
    event_count          integer     NOT NULL DEFAULT 0,
    added_to_wishlist    boolean     NOT NULL DEFAULT false,
    added_to_collection  boolean     NOT NULL DEFAULT false,
    completed_rating     boolean     NOT NULL DEFAULT false,
    completed_review     boolean     NOT NULL DEFAULT false,
    exit_page            text,                    -- path of the last event
    bounced              boolean GENERATED ALWAYS AS (page_views <= 1 AND interactions = 0) STORED,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id)
);
CREATE INDEX user_session_user_start_idx ON interlog.user_session (tenant_id, user_id, start_time);
CREATE INDEX user_session_start_idx ON interlog.user_session (tenant_id, start_time);

-- Exact unique viewers: one row per (tenant, item, viewer); a viewer counts when its row is new.
-- viewer_id = coalesce(userId, anonymousId) of the view event (hashed upstream without consent).
CREATE TABLE interlog.item_viewer (
    tenant_id       text        NOT NULL,
    item_type       text        NOT NULL CHECK (item_type IN ('perfume', 'house', 'note')),
    item_id         text        NOT NULL,
    viewer_id       text        NOT NULL,
    PRIMARY KEY (tenant_id, item_type, item_id, viewer_id)
);

-- Seed 003 PerfumeInteractionStats generalised by item_type/item_id. Averages are stored as exact
-- sum + count so that deltas merge exactly; the avg_* columns are derived from them.
CREATE TABLE interlog.item_interaction_stats (
    tenant_id             text        NOT NULL,
    item_type             text        NOT NULL CHECK (item_type IN ('perfume', 'house', 'note')),
    item_id               text        NOT NULL,
    total_views           bigint      NOT NULL DEFAULT 0,
    unique_viewers        bigint      NOT NULL DEFAULT 0,
    view_duration_sum     bigint      NOT NULL DEFAULT 0,   -- ms, over views with a duration
    view_duration_count   bigint      NOT NULL DEFAULT 0,
    avg_view_duration     double precision GENERATED ALWAYS AS
                              (CASE WHEN view_duration_count > 0
                                    THEN view_duration_sum::double precision / view_duration_count
                                    ELSE 0 END) STORED,   -- ms
    total_ratings         bigint      NOT NULL DEFAULT 0,   -- RATING_COMPLETED events
    rating_sum            numeric     NOT NULL DEFAULT 0,   -- over ratings with a value
    rating_count          bigint      NOT NULL DEFAULT 0,
    avg_rating            double precision GENERATED ALWAYS AS
                              (CASE WHEN rating_count > 0
                                    THEN (rating_sum / rating_count)::double precision END) STORED,
    total_reviews         bigint      NOT NULL DEFAULT 0,   -- REVIEW_SUBMITTED events
    in_wishlist_count     bigint      NOT NULL DEFAULT 0,   -- WISHLIST_ADD minus WISHLIST_REMOVE
    in_collection_count   bigint      NOT NULL DEFAULT 0,   -- COLLECTION_ADD minus COLLECTION_REMOVE
    search_clicks         bigint      NOT NULL DEFAULT 0,   -- SEARCH_RESULT_CLICKED events
    trade_inquiries       bigint      NOT NULL DEFAULT 0,   -- TRADE_INQUIRY events
    trade_completed       bigint      NOT NULL DEFAULT 0,   -- TRADE_ACCEPTED events
    first_seen_at         timestamptz NOT NULL,             -- earliest event on the item
    last_viewed_at        timestamptz,                      -- latest view event
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, item_type, item_id)
);
CREATE INDEX item_interaction_stats_views_idx
    ON interlog.item_interaction_stats (tenant_id, item_type, total_views);
CREATE INDEX item_interaction_stats_wishlist_idx
    ON interlog.item_interaction_stats (tenant_id, item_type, in_wishlist_count);
