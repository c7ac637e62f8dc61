"""The browser SDK (producers/web) in real headless Chromium against the running bridge.

Each test loads a page from a static site on its own origin (so CORS is real), drives the SDK,
and reads what arrived on the raw topic with a read_committed Kafka consumer.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from interlog.settings import Settings
from tests.integration.web.harness import (
    PERSISTED_EVENT_IDS,
    BridgeRequests,
    StaticSite,
    Tenant,
    open_sdk_page,
    sdk_config,
)
from tests.support.stacks import free_ports

pytestmark = [pytest.mark.integration, pytest.mark.browser]

TRACK_MANY = """([type, n, start]) => Array.from({length: n},
    (_, i) => window.interlog.track(type, {component: 'catalogue', eventData: {seq: start + i}}))"""


def by_type(records: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [r for r in records if r["eventType"] == event_type]


def test_batches_of_ten_events_in_one_request(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    requests = BridgeRequests(bridge.bridge_url)
    page = open_sdk_page(context, site, sdk_config(bridge, tenant), requests)

    ids = page.evaluate(TRACK_MANY, ["PERFUME_VIEW", 25, 0])
    records = tenant.reader.wait_for_ids(set(ids[:20]))

    # 25 events with batchSize 10 and a 60 s interval: two full batches went, five wait.
    assert page.evaluate("window.interlogClient.stats().pending") == 5
    assert [len(b) for b in requests.batches()] == [10, 10]
    assert [e["eventId"] for b in requests.batches() for e in b] == ids[:20]
    assert len(records) == 20

    assert page.evaluate("window.interlog.flush()") is True
    tenant.reader.wait_for_ids(set(ids))
    assert page.evaluate("window.__sends.map((s) => s.reason)") == ["track", "continue", "flush"]
    assert [len(b) for b in requests.batches()] == [10, 10, 5]

    record = tenant.reader.records[0]
    assert record["tenantId"] == tenant.tenant
    assert record["eventType"] == "PERFUME_VIEW" and record["component"] == "catalogue"
    assert record["anonymousId"] and record["sessionId"] and record["path"] == "/sdk.html"
    assert record["context"]["userAgent"].startswith("Mozilla/")
    assert record["context"]["viewport"]["width"] > 0 and record["context"]["timezone"]
    assert record["receivedAt"].endswith("Z") and record["sentAt"] and record["timestamp"]
    assert {r["sessionId"] for r in tenant.reader.records} == {record["sessionId"]}
    assert set(tenant.reader.keys) == {f"{tenant.tenant}:{record['sessionId']}"}
    assert sorted(r["eventData"]["seq"] for r in tenant.reader.records) == list(range(25))


def test_flushes_early_before_64_kb(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    requests = BridgeRequests(bridge.bridge_url)
    page = open_sdk_page(context, site, sdk_config(bridge, tenant), requests)

    # Three events of ~25 KB: the third would push the batch over 64 KB, so the first two go
    # at once, long before the batch is full (10) or the interval (60 s) elapses.
    ids = page.evaluate("""() => [0, 1, 2].map((i) =>
        window.interlog.track('REVIEW_SUBMITTED', {eventData: {seq: i, text: 'x'.repeat(25000)}}))""")
    tenant.reader.wait_for_ids(set(ids[:2]))
    assert page.evaluate("window.interlogClient.stats().pending") == 1
    assert [len(b) for b in requests.batches()] == [2]
    assert requests.seen[0]["bytes"] < 64 * 1024


def test_batches_by_time(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    requests = BridgeRequests(bridge.bridge_url)
    page = open_sdk_page(context, site, sdk_config(bridge, tenant, flushIntervalMs=300), requests)

    started = page.evaluate("performance.now()")
    ids = page.evaluate(TRACK_MANY, ["SEARCH_PERFORMED", 3, 0])
    tenant.reader.wait_for_ids(set(ids))

    sends = page.evaluate("window.__sends")
    assert [len(b) for b in requests.batches()] == [3]
    assert [s["reason"] for s in sends] == ["interval"]
    assert sends[0]["at"] - started >= 299  # not before the interval elapsed


def test_critical_error_is_sent_at_once(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    requests = BridgeRequests(bridge.bridge_url)
    config = sdk_config(bridge, tenant, autocapture={"pageViews": False, "clicks": False,
                                                      "webVitals": False, "errors": True})
    page = open_sdk_page(context, site, config, requests)

    page.evaluate(TRACK_MANY, ["FILTER_APPLIED", 2, 0])
    # An uncaught error is captured as a non-critical ERROR: it waits for the batch.
    page.evaluate("setTimeout(() => { throw new Error('render failed'); })")
    page.wait_for_function("window.interlogClient.stats().pending === 3")
    assert requests.seen == []

    critical = page.evaluate(
        "window.interlog.track('ERROR', {message: 'checkout failed', critical: true, component: 'cart'})")
    records = tenant.reader.wait_for(lambda rs: len(rs) >= 4, "the critical error and the queued events")

    assert page.evaluate("window.__sends.map((s) => s.reason)") == ["critical"]
    assert [len(b) for b in requests.batches()] == [4]
    errors = {r["eventId"]: r for r in by_type(records, "ERROR")}
    assert errors[critical]["eventData"] == {"message": "checkout failed", "critical": True}
    assert errors[critical]["component"] == "cart"
    uncaught = [r for r in errors.values() if r["eventId"] != critical]
    assert len(uncaught) == 1
    assert uncaught[0]["eventData"]["message"].endswith("render failed")
    assert uncaught[0]["eventData"]["critical"] is False
    assert "render failed" in uncaught[0]["eventData"]["stack"]


@pytest.mark.parametrize("transport", ["keepalive", "beacon"])
def test_events_are_not_lost_when_the_page_navigates_away(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext, transport: str,
) -> None:
    requests = BridgeRequests(bridge.bridge_url)
    config = sdk_config(bridge, tenant, unloadTransport=transport,
                        autocapture={"pageViews": True, "clicks": False, "webVitals": True, "errors": False})
    page = open_sdk_page(context, site, config, requests)
    ids = page.evaluate(TRACK_MANY, ["PERFUME_VIEW", 3, 0])
    # First paint done (so there is an LCP candidate to report when the page goes away).
    page.wait_for_function("window.interlogClient.queue.some((e) => e.event.eventData.metric === 'FCP')")
    assert page.evaluate("window.interlogClient.stats().pending") >= 6  # page view, TTFB, FCP
    assert requests.seen == []

    # The next page has no SDK: only the request sent while leaving can deliver the queue.
    page.goto(site.url("plain.html"))
    records = tenant.reader.wait_for(
        lambda rs: set(ids) <= {r["eventId"] for r in rs}
        and {"LCP", "CLS"} <= {r["eventData"].get("metric") for r in by_type(rs, "PERFORMANCE_METRIC")},
        "the queue sent while leaving, with the final web vitals",
    )
    assert len(by_type(records, "PAGE_VIEW")) == 1
    metrics = {r["eventData"]["metric"]: r for r in by_type(records, "PERFORMANCE_METRIC")}
    assert set(metrics) == {"TTFB", "FCP", "LCP", "CLS"}
    assert metrics["FCP"]["value"] > 0 and metrics["FCP"]["eventData"]["unit"] == "ms"
    assert metrics["CLS"]["eventData"]["unit"] == "score"
    # How the queue left: recorded by the test page's wrappers in (same-origin) localStorage.
    calls = page.evaluate("JSON.parse(localStorage.getItem('test.transport') || '[]')")
    leaving = [c for c in calls if c["url"].startswith(bridge.bridge_url)]
    assert leaving, calls
    if transport == "beacon":
        # sendBeacon cannot set headers: the write key travels in the query string.
        assert all(c["api"] == "beacon" and c["queued"] for c in leaving)
        assert all(f"writeKey={tenant.key}" in c["url"] for c in leaving)
    else:
        assert all(c["api"] == "fetch" and c["keepalive"] for c in leaving)
        assert all("writeKey" not in c["url"] for c in leaving)


def test_autocapture_of_page_views_clicks_and_errors(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    config = sdk_config(bridge, tenant, autocapture=True, flushIntervalMs=200, appVersion="9.9.9")
    page = open_sdk_page(context, site, config)
    page.evaluate("window.interlog.identify('user-7')")

    page.click("#wishlist-label")  # inside the data-track element
    page.click("#untracked")
    page.evaluate("history.pushState({}, '', '/catalogue?house=h-1')")
    page.evaluate("history.replaceState({}, '', '/catalogue?house=h-1')")  # same route: no view
    page.evaluate("history.back()")
    page.wait_for_function("location.pathname === '/sdk.html'")
    page.click("#broken")
    page.evaluate("() => { Promise.reject(new Error('fetch failed')); }")

    records = tenant.reader.wait_for(
        lambda rs: len(by_type(rs, "PAGE_VIEW")) >= 3 and len(by_type(rs, "ERROR")) >= 2
        and len(by_type(rs, "CLICK")) >= 1
        and {"TTFB", "FCP"} <= {r["eventData"]["metric"] for r in by_type(rs, "PERFORMANCE_METRIC")},
        "page views, the click, the errors and the early web vitals",
    )
    views = sorted(by_type(records, "PAGE_VIEW"), key=lambda r: r["timestamp"])
    assert [v["path"] for v in views] == ["/sdk.html", "/catalogue?house=h-1", "/sdk.html"]
    assert views[0]["eventData"]["title"] == "interlog SDK test page"
    assert "userId" not in views[0] and views[1]["userId"] == "user-7"

    [click] = by_type(records, "CLICK")
    assert click["component"] == "wishlist-button" and click["action"] == "add"
    assert click["perfumeId"] == "p-42" and click["value"] == 3
    assert click["eventData"] == {"element": "button", "label": "wishlist", "elementId": "wishlist"}
    assert click["userId"] == "user-7" and click["context"]["appVersion"] == "9.9.9"

    errors = {r["eventData"]["kind"]: r["eventData"] for r in by_type(records, "ERROR")}
    assert "null" in errors["error"]["message"] and errors["error"]["name"] == "TypeError"
    assert errors["error"]["line"] > 0 and "HTMLButtonElement" in errors["error"]["stack"]
    assert errors["error"]["source"].endswith("/sdk.html") and errors["error"]["critical"] is False
    assert errors["unhandledrejection"]["message"] == "fetch failed"


def test_other_4xx_are_dropped_with_a_console_warning(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    requests = BridgeRequests(bridge.bridge_url)
    config = sdk_config(bridge, tenant, writeKey="ilw_00000000_not-a-key")
    warnings: list[str] = []
    context.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page = open_sdk_page(context, site, config, requests)

    page.evaluate(TRACK_MANY, ["WISHLIST_ADD", 2, 0])
    assert page.evaluate("window.interlog.flush()") is True  # nothing left: dropped, not retried
    assert page.evaluate("window.__results.map((r) => [r.status, r.outcome])") == [[401, "drop"]]
    assert page.evaluate("window.__drops.map((d) => [d.reason, d.eventIds.length])") == [["http_401", 2]]
    assert page.evaluate("window.interlogClient.stats()")["queued"] == 0
    assert len(requests.seen) == 1
    assert any("refused 2 events with HTTP 401" in w for w in warnings), warnings


def test_identity_and_sessions_persist_across_reloads(
    bridge: Settings, site: StaticSite, tenant: Tenant, context: BrowserContext,
) -> None:
    idle_ms = 2500
    page = open_sdk_page(context, site, sdk_config(bridge, tenant, sessionIdleMs=idle_ms))
    first = page.evaluate("window.interlog.track('PAGE_VIEW')")
    page.reload()
    page.wait_for_function("window.__interlogLoaded === true")
    same_session = page.evaluate("window.interlog.track('PAGE_VIEW')")
    page.wait_for_function(
        f"Date.now() - JSON.parse(localStorage.getItem('interlog.session')).lastActivityAt > {idle_ms}",
        timeout=idle_ms + 10_000,
    )
    after_idle = page.evaluate("window.interlog.track('PAGE_VIEW')")
    page.evaluate("window.interlog.identify('user-9'); window.interlog.setConsent({analytics: false})")
    identified = page.evaluate("window.interlog.track('RATING_COMPLETED', {value: 4})")
    page.evaluate("window.interlog.reset()")
    after_reset = page.evaluate("window.interlog.track('PAGE_VIEW')")
    assert page.evaluate("window.interlog.flush()") is True

    ids = [first, same_session, after_idle, identified, after_reset]
    records = {r["eventId"]: r for r in tenant.reader.wait_for_ids(set(ids))}
    e = [records[i] for i in ids]
    assert e[0]["anonymousId"] == e[1]["anonymousId"] == e[2]["anonymousId"] == e[3]["anonymousId"]
    assert e[0]["sessionId"] == e[1]["sessionId"]  # a reload keeps the session
    assert e[2]["sessionId"] != e[1]["sessionId"]  # idle longer than sessionIdleMs: a new one
    assert e[3]["sessionId"] == e[2]["sessionId"] and e[3]["userId"] == "user-9"
    assert e[3]["consent"] == {"analytics": False} and e[3]["value"] == 4
    assert "consent" not in e[0]
    assert "userId" not in e[4] and e[4]["anonymousId"] != e[3]["anonymousId"]
    assert e[4]["sessionId"] != e[3]["sessionId"]
    assert e[4]["consent"] == {"analytics": False}  # consent is not identity: it survives reset


def test_the_persisted_queue_is_bounded(site: StaticSite, context: BrowserContext) -> None:
    nowhere = f"http://127.0.0.1:{free_ports(1)[0]}"  # nothing listens: every send fails
    config = {"writeKey": "ilw_x", "endpoint": nowhere, "autocapture": False, "maxQueueEvents": 5,
              "flushIntervalMs": 60_000, "retryBaseMs": 100, "retryMaxMs": 1000}
    page = open_sdk_page(context, site, config)
    ids = page.evaluate(TRACK_MANY, ["PERFUME_VIEW", 8, 0])
    persisted = page.evaluate(PERSISTED_EVENT_IDS)
    assert persisted == ids[3:]  # the oldest were dropped
    assert page.evaluate("window.__drops.map((d) => d.reason)") == ["queue_full"] * 3


def test_pure_helpers_of_the_sdk(site: StaticSite, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(site.url("plain.html"))
    result = page.evaluate("""async () => {
        const t = await import('/sdk/transport.js');
        const s = await import('/sdk/storage.js');
        const now = 1_000_000_000;
        const session = {id: 'a', startedAt: now - 1000, lastActivityAt: now - 1000};
        const idle = 30 * 60_000, max = 24 * 3_600_000;
        return {
            chunks: t.chunkBySize([100, 100, 100, 100, 100], 2, 1000, 50),
            byBytes: t.chunkBySize([400, 400, 400], 10, 1000, 50),
            backoff: [1, 2, 3, 8, 20].map((n) => [t.backoffDelayMs(n, 500, 60000, () => 0),
                                                  t.backoffDelayMs(n, 500, 60000, () => 0.999999)]),
            retryAfter: [t.parseRetryAfter('2', now), t.parseRetryAfter(null, now),
                         t.parseRetryAfter(new Date(now + 5000).toUTCString(), now),
                         t.parseRetryAfter('soon', now)],
            classes: [200, 0, 408, 429, 500, 503, 400, 401, 413].map(t.classifyStatus),
            kept: s.nextSession(session, now, idle, max),
            idle: s.nextSession({...session, lastActivityAt: now - idle}, now, idle, max).isNew,
            tooOld: s.nextSession({...session, startedAt: now - max}, now, idle, max).isNew,
            fresh: s.nextSession(null, now, idle, max).isNew,
            uuid: s.uuid4(),
        };
    }""")
    assert result["chunks"] == [[0, 1], [2, 3], [4]]
    assert result["byBytes"] == [[0, 1], [2]]
    assert result["backoff"] == [[250, 500], [500, 1000], [1000, 2000], [30000, 60000], [30000, 60000]]
    assert result["retryAfter"] == [2000, None, 5000, None]
    assert result["classes"] == ["ok", "retry", "retry", "retry", "retry", "retry", "drop", "drop", "drop"]
    kept = {"id": "a", "startedAt": 999_999_000, "lastActivityAt": 1_000_000_000}
    assert result["kept"] == {"session": kept, "isNew": False}
    assert (result["idle"], result["tooOld"], result["fresh"]) == (True, True, True)
    assert len(result["uuid"]) == 36 and result["uuid"][14] == "4"
