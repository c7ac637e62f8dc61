-- Tenants, API keys, stored consumer offsets and erasure requests: the tables every stage shares.

CREATE TABLE interlog.tenant (
    tenant_id          text PRIMARY KEY,
    name               text NOT NULL,
    -- Per-tenant HMAC secret for consent hashing, encrypted with INTERLOG_SECRET_KEY (never logged).
    secret_ciphertext  bytea,
    cors_origins       text[] NOT NULL DEFAULT '{}',
    consent_default    boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE interlog.api_key (
    key_id        text PRIMARY KEY,              -- public prefix of the key, for listing/revoking
    key_hash      bytea NOT NULL UNIQUE,         -- SHA-256 of the whole key; the key itself is never stored
    tenant_id     text NOT NULL REFERENCES interlog.tenant (tenant_id),
    kind          text NOT NULL CHECK (kind IN ('write', 'read')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX api_key_tenant_idx ON interlog.api_key (tenant_id);

-- Offsets of the consumer groups that write Postgres live here, committed in the same
-- transaction as the rows they produced; Kafka-committed offsets are informational only.
CREATE TABLE interlog.consumer_offset (
    group_id     text    NOT NULL,
    topic        text    NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint  NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

CREATE TABLE interlog.erasure_request (
    request_id    bigserial PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES interlog.tenant (tenant_id),
    user_id       text NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    rows_deleted  bigint
);
