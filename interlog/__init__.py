"""interlog: an event-ingestion pipeline for user-interaction events on Kafka and PostgreSQL."""

__version__ = "0.1.0"
