"""Prometheus metrics helpers shared by every service.

Each service defines its metrics at module level with the ``interlog_<service>_`` prefix and
either mounts :func:`metrics_response` on its HTTP app or calls :func:`serve_metrics` to expose
``/metrics`` on its own loopback port.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest, start_http_server

__all__ = ["CONTENT_TYPE_LATEST", "metrics_payload", "serve_metrics"]


def metrics_payload() -> bytes:
    """The exposition text of the default registry."""
    return generate_latest(REGISTRY)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Expose ``/metrics`` on ``host:port`` from a daemon thread."""
    start_http_server(port, addr=host)
