"""``interlog stack up|down|status``: Kafka, PostgreSQL, topics, migrations and the services."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cli.stack.kafka import KafkaServer
from cli.stack.postgres import PostgresServer
from cli.stack.services import SERVICE_NAMES, Service, service_specs
from cli.stack.topics import ensure_topics
from interlog.settings import Settings


class LocalStack:
    """The whole local stack. ``up`` is idempotent: it (re)starts whatever is not running."""

    def __init__(self, settings: Settings, env: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.kafka = KafkaServer(settings)
        self.postgres = PostgresServer(settings)
        env = dict(os.environ if env is None else env)
        self.services = {
            name: Service(spec, settings, env) for name, spec in service_specs(settings).items()
        }

    def up(self, services: bool = True) -> None:
        from schemas.migrate import migrate

        self.settings.stack_dir.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        self.kafka.start()
        ensure_topics(self.settings)
        migrate(self.postgres.url())
        if services:
            for service in self.services.values():
                service.start()
            for service in self.services.values():
                service.wait_ready()

    def down(self) -> None:
        for service in self.services.values():
            service.stop()
        self.kafka.stop()
        self.postgres.stop()

    def status(self) -> dict[str, Any]:
        """The contract's status object (``interlog stack status --json``)."""
        services: dict[str, dict[str, Any]] = {}
        for name in SERVICE_NAMES:
            service = self.services.get(name)
            if service is None:
                services[name] = {"pid": None, "state": "not-installed", "metrics_url": None}
            else:
                services[name] = {
                    "pid": service.pid,
                    "state": service.state(),
                    "metrics_url": service.metrics_url,
                }
        return {
            "kafka_bootstrap": self.settings.kafka_bootstrap,
            "database_url": self.settings.database_url,
            "bridge_url": self.settings.bridge_url,
            "api_url": self.settings.api_url,
            "stack_dir": str(self.settings.stack_dir),
            "kafka": {"pid": self.kafka.pid, "state": _state(self.kafka.running(), self.kafka.pid)},
            "postgres": {
                "pid": self.postgres.pid,
                "state": _state(self.postgres.running(), self.postgres.pid),
            },
            "services": services,
        }


def _state(running: bool, pid: int | None) -> str:
    if running:
        return "running"
    return "starting" if pid is not None else "stopped"
