"""Prometheus metrics of the validate stage (served on ``settings.ports.validate_metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_IN = Counter("interlog_validate_events_in_total", "Raw records consumed.")
EVENTS_OUT = Counter("interlog_validate_events_out_total", "Validated events written to v1.",
                     ["event_type"])
DEAD_LETTERS = Counter("interlog_validate_dead_letters_total", "Records written to the DLQ.",
                       ["reason", "event_type"])
REDACTIONS = Counter("interlog_pii_redactions_total", "PII redactions by kind.", ["kind"])
BATCH_SIZE = Histogram("interlog_validate_batch_size", "Records per transaction.",
                       buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000))
BATCH_SECONDS = Histogram("interlog_validate_batch_seconds",
                          "Wall time from consume to committed transaction, per batch.",
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LAG_SECONDS = Histogram("interlog_validate_lag_seconds",
                        "Bridge receivedAt to committed output, last event of each batch.",
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
TRANSACTIONS = Counter("interlog_validate_transactions_total", "Kafka transactions by outcome.",
                       ["outcome"])
