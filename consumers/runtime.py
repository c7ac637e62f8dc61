"""Pieces every consumer-group stage shares: shutdown on SIGTERM/SIGINT, capped backoff with jitter,
and Kafka client configuration from the settings."""

from __future__ import annotations

import logging
import random
import signal
import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from interlog.settings import Settings

log = logging.getLogger(__name__)


class Shutdown:
    """Set by SIGTERM or SIGINT; the stage finishes its current batch, commits and exits 0."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def install(self) -> Shutdown:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        log.info("shutdown requested", extra={"signal": signal.Signals(signum).name})
        self._event.set()

    def request(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early on shutdown; True if shutdown was requested."""
        return self._event.wait(seconds)


@dataclass
class Backoff:
    """Capped exponential backoff with full jitter: 0..min(cap, base * 2**attempt) seconds."""

    base_s: float = 0.2
    cap_s: float = 30.0
    attempt: int = field(default=0, init=False)

    def next_delay(self) -> float:
        delay = random.uniform(0, min(self.cap_s, self.base_s * (2**self.attempt)))
        self.attempt = min(self.attempt + 1, 30)
        return delay

    def reset(self) -> None:
        self.attempt = 0


def consumer_config(settings: Settings, group_id: str, **overrides: Any) -> dict[str, Any]:
    """Consumer defaults of every stage: read_committed, manual offsets, cooperative-sticky."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_bootstrap,
        "group.id": group_id,
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": "cooperative-sticky",
        "fetch.min.bytes": 1,
        "fetch.wait.max.ms": 100,
        "queued.max.messages.kbytes": 65536,
        "log_level": 4,
    }
    config.update(overrides)
    return config
