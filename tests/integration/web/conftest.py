"""Fixtures of the browser tests: Chromium, the static site, the bridge, a tenant per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from interlog.settings import Settings
from tests.integration.web.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RawTopicReader,
    StaticSite,
    Tenant,
    new_tenant,
    running_bridge,
    with_bridge_port,
)
from tests.support.stacks import with_fresh_topics


@pytest.fixture(scope="package")
def site() -> Iterator[StaticSite]:
    with StaticSite() as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs the distribution's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def web_settings(stack_settings: Settings) -> Settings:
    """The session stack with these tests' own topics and bridge port."""
    return with_bridge_port(with_fresh_topics(stack_settings))


@pytest.fixture(scope="module")
def bridge(web_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A bridge shared by the tests that do not stop it; yields its settings."""
    log_path = tmp_path_factory.mktemp("bridge") / "bridge.log"
    with running_bridge(web_settings, log_path):
        yield web_settings


@pytest.fixture
def tenant(web_settings: Settings, site: StaticSite) -> Iterator[Tenant]:
    """A new tenant whose CORS origins allow the static site, and a reader of its raw events."""
    name, key = new_tenant(web_settings, [site.origin])
    reader = RawTopicReader(web_settings, name)
    try:
        yield Tenant(name, key, reader)
    finally:
        reader.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage) per test."""
    ctx = browser.new_context()
    try:
        yield ctx
    finally:
        ctx.close()
