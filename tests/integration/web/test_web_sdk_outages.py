"""The browser SDK keeps events while the bridge is down or answers 503, and delivers them later,
also from the next page load. Real Chromium, real bridge processes, real Kafka brokers."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from cli.stack.kafka import KafkaServer
from interlog.settings import Settings
from tests.integration.web.harness import (
    PERSISTED_EVENT_IDS,
    RawTopicReader,
    StaticSite,
    Tenant,
    open_sdk_page,
    sdk_config,
    wait_for_bridge,
    with_bridge_port,
)
from tests.support.services import ServiceProcess
from tests.support.stacks import temp_settings, with_fresh_topics

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.fault]

TRACK = """([type, n]) => Array.from({length: n},
    (_, i) => window.interlog.track(type, {eventData: {seq: i}}))"""


def start_bridge(settings: Settings, log_path: Path) -> ServiceProcess:
    proc = ServiceProcess(["bridge"], settings, log_path)
    try:
        wait_for_bridge(proc, settings)
    except BaseException:
        proc.stop()
        raise
    return proc


def wait_for_status(page: Page, status: int, after: int = 0) -> None:
    """Wait until the page's SDK got an answer with ``status`` (0 = network error)."""
    page.wait_for_function(
        f"window.__results.slice({after}).some((r) => r.status === {status})", timeout=30_000)


def test_events_queued_while_the_bridge_is_down_are_delivered_after_a_reload(
    web_settings: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext, tmp_path: Path,
) -> None:
    settings = with_bridge_port(web_settings)
    bridge = start_bridge(settings, tmp_path / "bridge.log")
    try:
        page = open_sdk_page(context, site, sdk_config(settings, tenant, flushIntervalMs=200))
        before = page.evaluate(TRACK, ["PERFUME_VIEW", 2])
        tenant.reader.wait_for_ids(set(before))

        assert bridge.stop() == 0
        down = page.evaluate(TRACK, ["WISHLIST_ADD", 3])
        wait_for_status(page, 0)
        assert set(page.evaluate(PERSISTED_EVENT_IDS)) == set(down)

        # The page goes away while the bridge is down; the next load takes over its queue.
        page.reload()
        page.wait_for_function("window.__interlogLoaded === true")
        after_reload = page.evaluate(TRACK, ["HOUSE_VIEW", 2])
        assert set(page.evaluate("window.interlogClient.queue.map((e) => e.event.eventId)")) == {
            *down, *after_reload}
        wait_for_status(page, 0)

        bridge = start_bridge(settings, tmp_path / "bridge.log")
        tenant.reader.wait_for_ids({*down, *after_reload}, timeout_s=30)
        page.wait_for_function("window.interlogClient.stats().queued === 0")
        assert page.evaluate(PERSISTED_EVENT_IDS) == []
    finally:
        bridge.stop()
    assert {r["eventId"] for r in tenant.reader.records} == {*before, *down, *after_reload}


@dataclasses.dataclass
class PrivateKafka:
    server: KafkaServer
    bootstrap: str


@pytest.fixture
def private_kafka(stack_settings: Settings) -> Iterator[PrivateKafka]:
    """A Kafka broker of this test's own, which it may stop (the shared one is never touched)."""
    private = temp_settings(stack_settings)
    kafka = KafkaServer(private)
    try:
        kafka.start()
        yield PrivateKafka(kafka, private.kafka_bootstrap)
    finally:
        kafka.stop()
        shutil.rmtree(private.stack_dir, ignore_errors=True)


def test_events_refused_with_503_while_kafka_is_down_are_delivered_later(
    web_settings: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext, tmp_path: Path,
    private_kafka: PrivateKafka,
) -> None:
    settings = with_bridge_port(with_fresh_topics(dataclasses.replace(
        web_settings, kafka_bootstrap=private_kafka.bootstrap,
        bridge=dataclasses.replace(web_settings.bridge, produce_timeout_s=3.0),
    )))
    reader = RawTopicReader(settings, tenant.tenant)
    bridge = start_bridge(settings, tmp_path / "bridge.log")
    try:
        page = open_sdk_page(context, site, sdk_config(settings, tenant, flushIntervalMs=200))
        before = page.evaluate(TRACK, ["PERFUME_VIEW", 2])
        reader.wait_for_ids(set(before))
        answered = page.evaluate("window.__results.length")

        private_kafka.server.stop()
        during = page.evaluate(TRACK, ["REVIEW_SUBMITTED", 3])
        wait_for_status(page, 503, after=answered)
        wait_for_status(page, 503, after=page.evaluate("window.__results.length"))  # retried, 503 again
        assert set(page.evaluate(PERSISTED_EVENT_IDS)) == set(during)

        private_kafka.server.start()
        reader.wait_for_ids(set(during), timeout_s=60)
        page.wait_for_function("window.interlogClient.stats().queued === 0")

        # Retry-After (2 s from the bridge) was honoured although the backoff cap is 1 s.
        gaps = page.evaluate("""() => window.__results.filter((r) => r.status === 503).map((r) => {
            const next = window.__sends.find((s) => s.at > r.at);
            return next ? next.at - r.at : null; })""")
        assert gaps and all(g is not None and g >= 1999 for g in gaps), gaps
        statuses = page.evaluate("window.__results.map((r) => r.status)")
        assert statuses[-1] == 200 and set(statuses) <= {200, 503}
    finally:
        bridge.stop()
        reader.close()
    assert {r["eventId"] for r in reader.records} == {*before, *during}
