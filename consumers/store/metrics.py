"""Prometheus metrics of the store stage (``interlog_store_*``), served on ``ports.store_metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

BATCH_SIZE = Histogram(
    "interlog_store_batch_records", "Kafka records per store batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000),
)
BATCH_SECONDS = Histogram(
    "interlog_store_batch_seconds", "Wall time of one batch transaction (COPY to COMMIT)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AGGREGATE_SECONDS = Histogram(
    "interlog_store_aggregate_upsert_seconds", "Upserting the aggregates of one batch",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ROWS_INSERTED = Counter("interlog_store_rows_inserted_total", "Events stored (new rows)")
DUPLICATES_SKIPPED = Counter(
    "interlog_store_duplicates_skipped_total", "Events already stored (retries, replays)"
)
INSERT_PATH_BATCHES = Counter(
    "interlog_store_insert_path_batches_total",
    "Batches by insert path: copy (all new, direct COPY) or staged (ON CONFLICT after meeting"
    " stored events)", ["path"],
)
DLQ_RECORDS = Counter("interlog_store_dlq_records_total", "Records sent to the DLQ", ["reason"])
BATCH_FAILURES = Counter(
    "interlog_store_batch_failures_total", "Batches rolled back", ["kind"]
)
LAG = Gauge("interlog_store_lag_records", "Records behind the partition's high watermark", ["partition"])
E2E_LATENCY = Histogram(
    "interlog_store_e2e_latency_seconds", "From the bridge's receivedAt to the batch commit",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
POSTGRES_UP = Gauge("interlog_store_postgres_up", "1 when the last Postgres operation succeeded")
