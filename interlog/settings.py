"""One frozen settings object per process, read once at the entry point from ``INTERLOG_*``.

No other module reads ``os.environ``: entry points call :func:`load_settings` and pass the result
down through constructors. With no variable set, everything points at the local stack
(``interlog stack up``) on its default loopback ports.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from interlog.exceptions import ConfigurationError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


@dataclass(frozen=True)
class Secret:
    """A string that never shows itself in ``repr``, ``str`` or logs."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('***')" if self.value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class StackPorts:
    """Loopback ports of the local stack (``INTERLOG_STACK_*_PORT``)."""

    kafka: int = 19092
    kafka_controller: int = 19093
    postgres: int = 15432
    bridge: int = 18080
    api: int = 18081
    validate_metrics: int = 19401
    store_metrics: int = 19402
    scheduler_metrics: int = 19403


@dataclass(frozen=True)
class Topics:
    """Topic names (contract defaults; tests override them for isolation)."""

    raw: str = "interlog.events.raw"
    v1: str = "interlog.events.v1"
    dlq: str = "interlog.events.dlq"


@dataclass(frozen=True)
class BridgeLimits:
    """Ingestion limits of the HTTP bridge (``INTERLOG_BRIDGE_*``)."""

    max_event_bytes: int = 32 * 1024
    max_body_bytes: int = 512 * 1024
    max_batch_events: int = 500
    rate_per_s: float = 5000.0
    rate_burst: float = 10000.0
    key_cache_ttl_s: float = 5.0
    producer_queue_max: int = 100_000
    produce_timeout_s: float = 10.0


@dataclass(frozen=True)
class DatabaseLimits:
    """Timeouts of every PostgreSQL connection (``INTERLOG_DB_*``), so that no stage can wedge on a
    slow, locked, unreachable or frozen server: what the server enforces (statement, lock and
    idle-in-transaction timeouts), what the kernel notices (TCP keepalives, unacknowledged data),
    and what only the client can (``call_deadline_s``: a call that takes longer is abandoned by
    severing its socket, even when the server process is stopped and cancels go unanswered)."""

    connect_timeout_s: int = 5
    statement_timeout_s: float = 30.0
    lock_timeout_s: float = 10.0
    idle_in_transaction_timeout_s: float = 60.0
    keepalive_idle_s: int = 10
    call_deadline_s: float = 45.0


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to know about its surroundings."""

    kafka_bootstrap: str
    database_url: str
    stack_dir: Path
    cache_dir: Path
    ports: StackPorts
    topics: Topics
    bridge: BridgeLimits
    db: DatabaseLimits
    schema_registry_url: str | None
    secret_key: Secret
    retention_days: int
    log_level: LogLevel
    kafka_version: str = "4.1.1"
    kafka_heap_mb: int = 512
    instance_id: str = "0"

    @property
    def bridge_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.bridge}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.api}"

    def with_overrides(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if not 1 <= value <= 65535:
        raise ConfigurationError(f"{name} must be a TCP port (1-65535), got {value}")
    return value


def _log_level(env: Mapping[str, str]) -> LogLevel:
    raw = env.get("INTERLOG_LOG_LEVEL", "INFO").upper()
    if raw not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigurationError(
            f"INTERLOG_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {raw!r}"
        )
    return raw  # type: ignore[return-value]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: the process environment).

    Raises :class:`ConfigurationError` naming the variable when a value is malformed.
    """
    env = os.environ if env is None else env
    defaults = StackPorts()
    ports = StackPorts(
        **{
            f.name: _port(env, f"INTERLOG_STACK_{f.name.upper()}_PORT", getattr(defaults, f.name))
            for f in dataclasses.fields(StackPorts)
        }
    )
    home = Path(env.get("HOME") or Path.home())
    stack_dir = Path(env.get("INTERLOG_STACK_DIR") or Path.cwd() / ".interlog" / "stack")
    cache_dir = Path(env.get("INTERLOG_CACHE_DIR") or home / ".cache" / "interlog")
    limits = BridgeLimits(
        max_event_bytes=_int(env, "INTERLOG_BRIDGE_MAX_EVENT_BYTES", BridgeLimits.max_event_bytes),
        max_body_bytes=_int(env, "INTERLOG_BRIDGE_MAX_BODY_BYTES", BridgeLimits.max_body_bytes),
        max_batch_events=_int(
            env, "INTERLOG_BRIDGE_MAX_BATCH_EVENTS", BridgeLimits.max_batch_events
        ),
        rate_per_s=_float(env, "INTERLOG_BRIDGE_RATE_PER_S", BridgeLimits.rate_per_s),
        rate_burst=_float(env, "INTERLOG_BRIDGE_RATE_BURST", BridgeLimits.rate_burst),
        key_cache_ttl_s=_float(env, "INTERLOG_BRIDGE_KEY_CACHE_TTL_S", BridgeLimits.key_cache_ttl_s),
        producer_queue_max=_int(
            env, "INTERLOG_BRIDGE_PRODUCER_QUEUE_MAX", BridgeLimits.producer_queue_max
        ),
        produce_timeout_s=_float(
            env, "INTERLOG_BRIDGE_PRODUCE_TIMEOUT_S", BridgeLimits.produce_timeout_s
        ),
    )
    db = DatabaseLimits(
        connect_timeout_s=_int(env, "INTERLOG_DB_CONNECT_TIMEOUT_S", DatabaseLimits.connect_timeout_s),
        statement_timeout_s=_float(
            env, "INTERLOG_DB_STATEMENT_TIMEOUT_S", DatabaseLimits.statement_timeout_s),
        lock_timeout_s=_float(env, "INTERLOG_DB_LOCK_TIMEOUT_S", DatabaseLimits.lock_timeout_s),
        idle_in_transaction_timeout_s=_float(
            env, "INTERLOG_DB_IDLE_IN_TRANSACTION_TIMEOUT_S", DatabaseLimits.idle_in_transaction_timeout_s),
        keepalive_idle_s=_int(env, "INTERLOG_DB_KEEPALIVE_IDLE_S", DatabaseLimits.keepalive_idle_s),
        call_deadline_s=_float(env, "INTERLOG_DB_CALL_DEADLINE_S", DatabaseLimits.call_deadline_s),
    )
    topics = Topics(
        raw=env.get("INTERLOG_TOPIC_RAW") or Topics.raw,
        v1=env.get("INTERLOG_TOPIC_V1") or Topics.v1,
        dlq=env.get("INTERLOG_TOPIC_DLQ") or Topics.dlq,
    )
    return Settings(
        kafka_bootstrap=env.get("INTERLOG_KAFKA_BOOTSTRAP") or f"127.0.0.1:{ports.kafka}",
        database_url=env.get("INTERLOG_DATABASE_URL")
        or f"postgresql://interlog@127.0.0.1:{ports.postgres}/interlog",
        stack_dir=stack_dir,
        cache_dir=cache_dir,
        ports=ports,
        topics=topics,
        bridge=limits,
        db=db,
        schema_registry_url=env.get("INTERLOG_SCHEMA_REGISTRY_URL") or None,
        secret_key=Secret(env.get("INTERLOG_SECRET_KEY", "")),
        retention_days=_int(env, "INTERLOG_RETENTION_DAYS", 90),
        log_level=_log_level(env),
        kafka_heap_mb=_int(env, "INTERLOG_KAFKA_HEAP_MB", 512),
        instance_id=env.get("INTERLOG_INSTANCE_ID") or "0",
    )


def to_env(settings: Settings) -> dict[str, str]:
    """The ``INTERLOG_*`` variables that rebuild ``settings`` in a child process."""
    env = {
        "INTERLOG_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "INTERLOG_DATABASE_URL": settings.database_url,
        "INTERLOG_STACK_DIR": str(settings.stack_dir),
        "INTERLOG_CACHE_DIR": str(settings.cache_dir),
        "INTERLOG_TOPIC_RAW": settings.topics.raw,
        "INTERLOG_TOPIC_V1": settings.topics.v1,
        "INTERLOG_TOPIC_DLQ": settings.topics.dlq,
        "INTERLOG_RETENTION_DAYS": str(settings.retention_days),
        "INTERLOG_LOG_LEVEL": settings.log_level,
        "INTERLOG_KAFKA_HEAP_MB": str(settings.kafka_heap_mb),
        "INTERLOG_INSTANCE_ID": settings.instance_id,
        "INTERLOG_BRIDGE_MAX_EVENT_BYTES": str(settings.bridge.max_event_bytes),
        "INTERLOG_BRIDGE_MAX_BODY_BYTES": str(settings.bridge.max_body_bytes),
        "INTERLOG_BRIDGE_MAX_BATCH_EVENTS": str(settings.bridge.max_batch_events),
        "INTERLOG_BRIDGE_RATE_PER_S": str(settings.bridge.rate_per_s),
        "INTERLOG_BRIDGE_RATE_BURST": str(settings.bridge.rate_burst),
        "INTERLOG_BRIDGE_KEY_CACHE_TTL_S": str(settings.bridge.key_cache_ttl_s),
        "INTERLOG_BRIDGE_PRODUCER_QUEUE_MAX": str(settings.bridge.producer_queue_max),
        "INTERLOG_BRIDGE_PRODUCE_TIMEOUT_S": str(settings.bridge.produce_timeout_s),
    }
    for f in dataclasses.fields(StackPorts):
        env[f"INTERLOG_STACK_{f.name.upper()}_PORT"] = str(getattr(settings.ports, f.name))
    for f in dataclasses.fields(DatabaseLimits):
        env[f"INTERLOG_DB_{f.name.upper()}"] = str(getattr(settings.db, f.name))
    if settings.schema_registry_url:
        env["INTERLOG_SCHEMA_REGISTRY_URL"] = settings.schema_registry_url
    if settings.secret_key.value:
        env["INTERLOG_SECRET_KEY"] = settings.secret_key.value
    return env
