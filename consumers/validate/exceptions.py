"""Errors of the validate stage."""

from __future__ import annotations

from interlog.exceptions import InterlogError


class FatalKafkaError(InterlogError):
    """Kafka reported a fatal error (e.g. this producer was fenced): the process must stop."""
