"""Pieces of the browser tests: a static site on its own origin, the bridge as a process,
tenants with CORS origins, and a reader of the raw topic."""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
from confluent_kafka import Consumer
from playwright.sync_api import BrowserContext, Page, Request

from interlog.keys import create_key
from interlog.settings import Settings
from tests.support.services import ServiceProcess, service
from tests.support.stacks import free_ports
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[3]
SDK_DIR = REPO / "producers" / "web"
PAGES_DIR = Path(__file__).resolve().parent / "pages"

# JavaScript: the eventIds in every page's persisted queue (localStorage).
PERSISTED_EVENT_IDS = """() => Object.keys(localStorage).filter((k) => k.startsWith('interlog.queue.'))
    .flatMap((k) => JSON.parse(localStorage.getItem(k)).events.map((e) => e.eventId))"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class _SiteHandler(SimpleHTTPRequestHandler):
    """``/sdk/*`` from producers/web, everything else from the test pages; never cached."""

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/sdk/"):
            return str(SDK_DIR / Path(clean[len("/sdk/"):]).name)
        return str(PAGES_DIR / Path(clean).name)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticSite:
    """The test pages and the SDK over HTTP on a free loopback port (a different origin than
    the bridge, so the browser applies real CORS)."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_SiteHandler, directory=str(PAGES_DIR)))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="static-site", daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, page: str) -> str:
        return f"{self.origin}/{page}"

    def __enter__(self) -> StaticSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def with_bridge_port(settings: Settings) -> Settings:
    """``settings`` with a free port of its own for the bridge."""
    return dataclasses.replace(settings, ports=dataclasses.replace(settings.ports, bridge=free_ports(1)[0]))


def bridge_ready(settings: Settings) -> bool:
    try:
        return httpx.get(f"{settings.bridge_url}/readyz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def running_bridge(settings: Settings, log_path: Path) -> Iterator[ServiceProcess]:
    """``interlog bridge`` as a child process, ready (Kafka reachable) when yielded."""
    with service(["bridge"], settings, log_path) as proc:
        wait_for_bridge(proc, settings)
        yield proc


def wait_for_bridge(proc: ServiceProcess, settings: Settings) -> None:
    def ready() -> bool:
        if not proc.alive():
            raise AssertionError(f"the bridge exited during start-up:\n{proc.log()[-3000:]}")
        return bridge_ready(settings)

    wait_until(ready, timeout_s=60, what="the bridge answering /readyz")


def new_tenant(settings: Settings, origins: list[str]) -> tuple[str, str]:
    """A fresh tenant with a write key and the given CORS origins; returns (tenant, key)."""
    tenant = f"web-{uuid.uuid4().hex[:10]}"
    key = create_key(settings.database_url, tenant, "write")
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE interlog.tenant SET cors_origins = %s WHERE tenant_id = %s", (origins, tenant))
    return tenant, key


class RawTopicReader:
    """Reads the raw topic (read_committed, from the start) and keeps one tenant's records."""

    def __init__(self, settings: Settings, tenant: str) -> None:
        self.tenant = tenant
        self.records: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self._consumer = Consumer({
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"web-test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
        })
        self._consumer.subscribe([settings.topics.raw])

    def poll(self) -> None:
        for msg in self._consumer.consume(500, timeout=0.2):
            if msg.error():
                raise AssertionError(f"consuming the raw topic failed: {msg.error()}")
            value, key = msg.value(), msg.key()
            if value is None:
                continue
            record = json.loads(value)
            if record.get("tenantId") == self.tenant:
                self.records.append(record)
                self.keys.append(key.decode() if key is not None else "")

    def event_ids(self) -> set[str]:
        return {r["eventId"] for r in self.records}

    def wait_for(self, condition: Callable[[list[dict[str, Any]]], bool], what: str,
                 timeout_s: float = 30.0) -> list[dict[str, Any]]:
        """Poll until ``condition(records)`` holds; the records so far are shown on timeout."""
        def met() -> bool:
            self.poll()
            return condition(self.records)

        try:
            wait_until(met, timeout_s=timeout_s, interval_s=0.0, what=what)
        except AssertionError as exc:
            summary = [(r.get("eventType"), r.get("eventData")) for r in self.records]
            raise AssertionError(f"{exc}; records so far: {summary}") from None
        return self.records

    def wait_for_ids(self, ids: set[str], timeout_s: float = 30.0) -> list[dict[str, Any]]:
        return self.wait_for(lambda _: ids <= self.event_ids(), f"events {sorted(ids)}", timeout_s)

    def close(self) -> None:
        self._consumer.close()


@dataclass
class Tenant:
    tenant: str
    key: str
    reader: RawTopicReader


@dataclass
class BridgeRequests:
    """The batch POSTs the browser made to the bridge, as Chromium's network layer saw them."""

    bridge_url: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def record(self, request: Request) -> None:
        if request.method == "POST" and request.url.startswith(f"{self.bridge_url}/v1/batch"):
            body = request.post_data or ""
            self.seen.append({"url": request.url, "body": json.loads(body) if body else None,
                              "bytes": len(body.encode())})

    def batches(self) -> list[list[dict[str, Any]]]:
        return [r["body"]["batch"] for r in self.seen if r["body"] is not None]


def sdk_config(settings: Settings, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """init() options for the test page: fast timers, nothing captured unless asked."""
    config: dict[str, Any] = {
        "writeKey": tenant.key,
        "endpoint": settings.bridge_url,
        "autocapture": False,
        "flushIntervalMs": 60_000,
        "retryBaseMs": 100,
        "retryMaxMs": 1000,
        "heartbeatMs": 1000,
    }
    config.update(overrides)
    return config


def open_sdk_page(context: BrowserContext, site: StaticSite, config: dict[str, Any],
                  requests: BridgeRequests | None = None) -> Page:
    """Load the SDK test page with ``config`` (also on every later navigation of the context)."""
    context.add_init_script(f"window.__interlogConfig = {json.dumps(config)};")
    if requests is not None:
        context.on("request", requests.record)
    page = context.new_page()
    page.goto(site.url("sdk.html"))
    page.wait_for_function("window.__interlogLoaded === true", timeout=10_000)
    return page
