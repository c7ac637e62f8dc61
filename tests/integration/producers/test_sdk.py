"""The Python SDK and `interlog simulate` against a real bridge and real Kafka."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from interlog.keys import create_key
from interlog.settings import Settings, to_env
from producers.sdk import Client
from tests.integration.producers.running_bridge import read_raw, running_bridge

pytestmark = pytest.mark.integration


@pytest.fixture
def write_key(settings: Settings) -> str:
    return create_key(settings.database_url, f"sdk-{uuid.uuid4().hex[:8]}", "write")


def test_sdk_events_reach_the_raw_topic(settings: Settings, write_key: str, tmp_path: Path) -> None:
    with running_bridge(settings, tmp_path) as bridge:
        client = Client(write_key, bridge.url, batch_size=40, gzip=True)
        client.identify("user-1")
        ids = {client.track("PERFUME_VIEW", perfume_id=f"p-{i}", session_id="s-1", source="test")
               for i in range(230)}
        ids.add(client.page("/houses/dior", session_id="s-1"))
        assert client.flush(30)
        client.close()
        assert client.stats.accepted == 231 and client.stats.rejected == 0
        records = read_raw(bridge.settings, ids)
    assert ids <= records.keys()
    sample = records[next(iter(ids))]
    assert sample["userId"] == "user-1" and sample["sessionId"] == "s-1"
    assert sample["userAgent"].startswith("interlog-python-sdk/") and "sentAt" in sample


def test_sdk_retries_after_429_until_everything_is_accepted(settings: Settings, write_key: str,
                                                           tmp_path: Path) -> None:
    with running_bridge(settings, tmp_path, rate_per_s=40.0, rate_burst=20.0) as bridge:
        client = Client(write_key, bridge.url, batch_size=20, flush_interval_s=0.05, backoff_base_s=0.1)
        ids = {client.track("SEARCH_PERFORMED", session_id="s-2", anonymous_id="a-2", query="oud")
               for _ in range(100)}
        assert client.flush(60)
        client.close()
        assert client.stats.retries > 0
        assert client.stats.accepted == 100
        records = read_raw(bridge.settings, ids)
    assert ids <= records.keys()


def test_simulate_sends_catalogue_traffic(settings: Settings, write_key: str, tmp_path: Path) -> None:
    with running_bridge(settings, tmp_path) as bridge:
        done = subprocess.run(
            [sys.executable, "-m", "cli", "simulate", "--users", "5", "--duration-s", "3",
             "--rate", "10", "--seed", "7", "--write-key", write_key, "--endpoint", bridge.url],
            env={**to_env(bridge.settings), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
            timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        summary = done.stdout.strip().splitlines()[-1]
        assert summary.startswith("simulate: 5 users") and "rejected 0" in summary, summary
        records = read_raw(bridge.settings, set(), timeout_s=10)
    types = {r["eventType"] for r in records.values()}
    assert len(records) >= 50
    assert {"PAGE_VIEW", "PERFORMANCE_METRIC"} <= types
