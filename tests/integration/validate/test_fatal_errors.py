"""A fenced stage (another process took its transactional id) stops with a clear error, exit 2."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest

from benchmarks.raw_events import realistic_mix
from interlog.settings import Settings
from tests.integration.validate.kafka_io import count_topic, produce_raw
from tests.support.services import service
from tests.support.stacks import free_ports
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def _records(tenant: str, count: int, seed: int) -> list[tuple[bytes, bytes]]:
    return [(f"{tenant}:{e['sessionId']}".encode(), orjson.dumps(e))
            for e in realistic_mix(count, seed=seed, tenant_id=tenant)]


def test_fenced_producer_exits_non_zero_with_a_clear_log_line(stage_settings: Settings, tenant: str,
                                                               tmp_path: Path) -> None:
    settings = stage_settings
    produce_raw(settings, _records(tenant, 500, seed=1))
    with service(["consume", "validate"], settings, tmp_path / "old.log") as old:
        wait_until(lambda: count_topic(settings, settings.topics.v1) >= 500 or not old.alive(),
                   timeout_s=60, what="the first process to work")
        assert old.alive(), old.log()
        # Same instance id => same transactional.id: the new process fences the old one.
        ports = dataclasses.replace(settings.ports, validate_metrics=free_ports(1)[0])
        twin = dataclasses.replace(settings, ports=ports)
        with service(["consume", "validate"], twin, tmp_path / "new.log") as new:
            # "running" is logged after init_transactions, i.e. once the old producer is fenced.
            wait_until(lambda: "validate stage running" in new.log() or not new.alive(), timeout_s=60,
                       what="the new process to start its transactions")
            produce_raw(settings, _records(tenant, 3000, seed=2))
            wait_until(lambda: not old.alive(), timeout_s=90, what="the fenced process to stop")
            assert old.proc.returncode == 2, old.log()
            assert "fatal Kafka error" in old.log()
            wait_until(lambda: count_topic(settings, settings.topics.v1) >= 3500 or not new.alive(),
                       timeout_s=90, what="the new process to take over")
            assert new.alive(), new.log()
    assert count_topic(settings, settings.topics.v1) == 3500
