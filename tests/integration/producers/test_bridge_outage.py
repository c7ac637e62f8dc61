"""FAULT: the broker stops under traffic. The bridge answers 503 (never a false 200), traffic
resumes after the broker restarts, every event answered 200 is on the topic, and the SDK's
retries after 503 deliver everything it was given. Runs on a private stack."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.stack.local import LocalStack
from interlog.keys import create_key
from producers.sdk import Client
from tests.integration.producers.running_bridge import make_event, read_raw, running_bridge
from tests.support.stacks import running_stack, with_fresh_topics
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]


@pytest.fixture(scope="module")
def private_stack() -> Iterator[LocalStack]:
    with running_stack() as stack:
        yield stack


class Traffic:
    """Posts batches of 10 events in a loop and records each answer with its event ids."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.key = key
        self.answers: list[tuple[int, list[str]]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {self.key}"}) as http:
            while not self.stop.is_set():
                events = [make_event() for _ in range(10)]
                try:
                    status = http.post(self.url + "/v1/batch", json={"batch": events}).status_code
                except httpx.HTTPError:
                    status = 0
                self.answers.append((status, [e["eventId"] for e in events]))
                time.sleep(0.02)

    def statuses(self) -> list[int]:
        return [s for s, _ in self.answers]


def test_broker_outage_gives_503_and_loses_no_accepted_event(private_stack: LocalStack,
                                                             tmp_path: Path) -> None:
    settings = with_fresh_topics(private_stack.settings)
    key = create_key(settings.database_url, f"fault-{uuid.uuid4().hex[:6]}", "write")
    with running_bridge(settings, tmp_path, wait_for="/healthz", produce_timeout_s=3.0) as bridge:
        traffic = Traffic(bridge.url, key)
        sdk = Client(key, bridge.url, batch_size=10, flush_interval_s=0.1, backoff_base_s=0.2,
                     backoff_cap_s=2.0)
        sdk_ids: set[str] = set()
        traffic.thread.start()
        try:
            wait_until(lambda: traffic.statuses().count(200) >= 5, 30, what="traffic flowing")
            sdk_ids |= {sdk.track("PAGE_VIEW", path="/", session_id="sdk") for _ in range(20)}
            private_stack.kafka.stop()
            outage_from = len(traffic.answers)
            wait_until(lambda: 503 in traffic.statuses()[outage_from:], 30, what="a 503 during the outage")
            ready = httpx.get(bridge.url + "/readyz")
            assert ready.status_code == 503
            sdk_ids |= {sdk.track("PAGE_VIEW", path="/down", session_id="sdk") for _ in range(30)}
            private_stack.kafka.start()
            restart_at = len(traffic.answers)
            wait_until(lambda: traffic.statuses()[restart_at:].count(200) >= 5, 60, what="traffic resuming")
            assert sdk.flush(60), "the SDK did not deliver after the broker came back"
        finally:
            traffic.stop.set()
            traffic.thread.join(30)
            sdk.close(timeout_s=5)
        assert set(traffic.statuses()) <= {200, 503}, traffic.statuses()
        assert sdk.stats.retries > 0 and sdk.stats.accepted == len(sdk_ids)
        accepted = {i for status, ids in traffic.answers if status == 200 for i in ids}
        records = read_raw(bridge.settings, accepted | sdk_ids, timeout_s=60)
    assert not accepted - records.keys(), f"{len(accepted - records.keys())} accepted events lost"
    assert not sdk_ids - records.keys()


def test_postgres_outage_keeps_known_keys_and_answers_503_for_unknown_ones(private_stack: LocalStack,
                                                                          tmp_path: Path) -> None:
    settings = with_fresh_topics(private_stack.settings)
    key = create_key(settings.database_url, f"pg-{uuid.uuid4().hex[:6]}", "write")
    unknown = "ilw_00000000_not-a-key"
    with running_bridge(settings, tmp_path, key_cache_ttl_s=0.5) as bridge:
        def post(write_key: str) -> httpx.Response:
            return httpx.post(bridge.url + "/v1/batch", json=[make_event()], timeout=30,
                              headers={"Authorization": f"Bearer {write_key}"})

        assert post(key).status_code == 200
        private_stack.postgres.stop()
        try:
            refused = post(unknown)
            assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
            assert post(key).status_code == 200  # its cache entry expired: the last answer is used
        finally:
            private_stack.postgres.start()
        wait_until(lambda: post(unknown).status_code == 401, 30, what="key store back")
        assert post(key).status_code == 200
