"""Prometheus metrics of the bridge (``interlog_bridge_*``), served on its own ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "interlog_bridge_requests_total", "HTTP requests answered, by route and status.",
    ["route", "status"],
)
REQUEST_SECONDS = Histogram(
    "interlog_bridge_request_seconds", "Time from request start to response, by route (s).",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_ACCEPTED = Counter(
    "interlog_bridge_events_accepted_total", "Events acknowledged by Kafka and answered accepted."
)
EVENTS_REJECTED = Counter(
    "interlog_bridge_events_rejected_total",
    "Events not accepted, by reason (envelope checks, rate_limited, kafka_unavailable).",
    ["reason"],
)
PRODUCER_QUEUE = Gauge(
    "interlog_bridge_producer_queue_messages", "Messages in the producer's local queue."
)
KAFKA_READY = Gauge("interlog_bridge_kafka_ready", "1 when the last Kafka metadata request succeeded.")
DELIVERY_FAILURES = Counter(
    "interlog_bridge_delivery_failures_total", "Kafka delivery reports with an error."
)
