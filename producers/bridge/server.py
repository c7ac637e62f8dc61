"""``interlog bridge``: the ingestion app on uvicorn (uvloop + httptools), one worker process.

Listens on ``127.0.0.1:settings.ports.bridge`` (``INTERLOG_STACK_BRIDGE_PORT``). On SIGTERM or
SIGINT it stops accepting connections, finishes the requests in flight, flushes the producer and
returns (exit code 0).
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn

from interlog.key_directory import KeyDirectory
from interlog.settings import Settings
from producers.bridge.app import BridgeApp
from producers.bridge.kafka_sink import RawEventSink

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn re-raises the captured signal after a graceful shutdown (exit code -15); a
    service here must exit 0 after SIGTERM, so the signal only triggers the shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def build_app(settings: Settings) -> BridgeApp:
    return BridgeApp(
        settings, RawEventSink(settings),
        KeyDirectory(settings.database_url, settings.db, settings.bridge.key_cache_ttl_s, "interlog-bridge"),
    )


def serve(settings: Settings, host: str = "127.0.0.1") -> None:
    """Run the bridge until SIGTERM/SIGINT; returns after the producer is flushed."""
    config = uvicorn.Config(
        build_app(settings), host=host, port=settings.ports.bridge, loop="uvloop", http="httptools",
        lifespan="on", access_log=False, log_config=None, server_header=False,
        timeout_graceful_shutdown=int(settings.bridge.produce_timeout_s) + 5, backlog=2048,
    )
    log.info("bridge listening", extra={"port": settings.ports.bridge, "topic": settings.topics.raw})
    _Server(config).run()
