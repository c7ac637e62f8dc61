from __future__ import annotations

from pathlib import Path

import pytest

from interlog.exceptions import ConfigurationError
from interlog.settings import Secret, load_settings, to_env


def test_defaults_point_at_the_local_stack() -> None:
    s = load_settings({"HOME": "/home/u"})
    assert s.kafka_bootstrap == f"127.0.0.1:{s.ports.kafka}"
    assert s.database_url == f"postgresql://interlog@127.0.0.1:{s.ports.postgres}/interlog"
    assert s.bridge_url == f"http://127.0.0.1:{s.ports.bridge}"
    assert s.api_url == f"http://127.0.0.1:{s.ports.api}"
    assert (s.topics.raw, s.topics.v1, s.topics.dlq) == (
        "interlog.events.raw", "interlog.events.v1", "interlog.events.dlq")
    assert s.cache_dir == Path("/home/u/.cache/interlog")
    assert (s.bridge.max_event_bytes, s.bridge.max_body_bytes, s.bridge.max_batch_events) == (
        32 * 1024, 512 * 1024, 500)
    assert s.retention_days == 90


def test_explicit_endpoints_win_over_ports() -> None:
    s = load_settings({
        "INTERLOG_KAFKA_BOOTSTRAP": "kafka-1:9092,kafka-2:9092",
        "INTERLOG_DATABASE_URL": "postgresql://u@db/x",
        "INTERLOG_STACK_KAFKA_PORT": "29092",
    })
    assert s.kafka_bootstrap == "kafka-1:9092,kafka-2:9092"
    assert s.database_url == "postgresql://u@db/x"
    assert s.ports.kafka == 29092


def test_ports_change_derived_urls() -> None:
    s = load_settings({"INTERLOG_STACK_POSTGRES_PORT": "5555", "INTERLOG_STACK_BRIDGE_PORT": "9000"})
    assert s.database_url.endswith(":5555/interlog")
    assert s.bridge_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INTERLOG_STACK_KAFKA_PORT", "abc", "INTERLOG_STACK_KAFKA_PORT must be an integer"),
        ("INTERLOG_STACK_POSTGRES_PORT", "70000", "INTERLOG_STACK_POSTGRES_PORT must be a TCP port"),
        ("INTERLOG_RETENTION_DAYS", "-1", "INTERLOG_RETENTION_DAYS must not be negative"),
        ("INTERLOG_BRIDGE_RATE_PER_S", "0", "INTERLOG_BRIDGE_RATE_PER_S must be positive"),
        ("INTERLOG_LOG_LEVEL", "LOUD", "INTERLOG_LOG_LEVEL must be one of"),
    ],
)
def test_malformed_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({variable: value})


def test_settings_are_frozen() -> None:
    s = load_settings({})
    with pytest.raises(AttributeError):
        s.kafka_bootstrap = "x"  # type: ignore[misc]


def test_secret_never_shows_in_repr() -> None:
    s = load_settings({"INTERLOG_SECRET_KEY": "hunter2-very-secret"})
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s.secret_key)
    assert s.secret_key == Secret("hunter2-very-secret")


def test_to_env_round_trips() -> None:
    s = load_settings({
        "HOME": "/h", "INTERLOG_STACK_KAFKA_PORT": "1234", "INTERLOG_TOPIC_RAW": "r",
        "INTERLOG_SECRET_KEY": "k", "INTERLOG_BRIDGE_RATE_PER_S": "7.5",
        "INTERLOG_SCHEMA_REGISTRY_URL": "http://sr:8081",
    })
    assert load_settings(to_env(s)) == s
