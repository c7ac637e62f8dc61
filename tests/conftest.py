"""Fixtures: a real Kafka + PostgreSQL stack for the session, fresh topics and groups per test.

With ``INTERLOG_KAFKA_BOOTSTRAP`` and ``INTERLOG_DATABASE_URL`` set, the tests use that stack
(e.g. a running ``interlog stack up``); otherwise they start their own on free ports and stop it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from interlog.settings import Settings, load_settings
from schemas.migrate import migrate
from tests.support.stacks import running_stack, with_fresh_topics


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    """Settings of a running real stack (Kafka + PostgreSQL, migrated), shared by the session."""
    if os.environ.get("INTERLOG_KAFKA_BOOTSTRAP") and os.environ.get("INTERLOG_DATABASE_URL"):
        settings = load_settings()
        migrate(settings.database_url)
        yield settings
        return
    with running_stack() as stack:
        yield stack.settings


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    """The session stack with this test's own freshly created topics."""
    return with_fresh_topics(stack_settings)


@pytest.fixture
def group_id() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"
