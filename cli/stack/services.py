"""The interlog services the local stack runs as child processes."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from cli.stack.processes import port_answers, read_pid, spawn, terminate, wait_for
from interlog.settings import Settings

SERVICE_NAMES = ("bridge", "validate", "store", "api", "scheduler")
START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    command: tuple[str, ...]  # arguments of the `interlog` CLI
    metrics_port: int


def service_specs(settings: Settings) -> dict[str, ServiceSpec]:
    """The services that exist in this build, by name (a subset of :data:`SERVICE_NAMES`)."""
    p = settings.ports
    specs = [
        ServiceSpec("bridge", ("bridge",), p.bridge),
        ServiceSpec("validate", ("consume", "validate"), p.validate_metrics),
        ServiceSpec("store", ("consume", "store"), p.store_metrics),
    ]
    return {spec.name: spec for spec in specs if _implemented(spec)}


def _implemented(spec: ServiceSpec) -> bool:
    from cli.main import implemented_commands

    return spec.command in implemented_commands()


class Service:
    def __init__(self, spec: ServiceSpec, settings: Settings, env: Mapping[str, str]) -> None:
        self.spec = spec
        self._settings = settings
        self._env = env
        self._dir = settings.stack_dir / "services"
        self.pid_file = self._dir / f"{spec.name}.pid"
        self.log_file = self._dir / f"{spec.name}.log"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.spec.metrics_port}/metrics"

    @property
    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def state(self) -> str:
        if self.pid is None:
            return "stopped"
        return "running" if port_answers(self.spec.metrics_port) else "starting"

    def start(self) -> None:
        if self.pid is None:
            self._dir.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, "-m", "cli", *self.spec.command]
            spawn(argv, self.log_file, self.pid_file, env=self._child_env())

    def wait_ready(self) -> None:
        from cli.stack.processes import log_tail

        def ready() -> bool:
            if self.pid is None:
                from interlog.exceptions import StackError

                raise StackError(f"service {self.spec.name} exited; its log says:{log_tail(self.log_file)}")
            return port_answers(self.spec.metrics_port)

        wait_for(ready, f"service {self.spec.name} answering on port {self.spec.metrics_port}",
                 START_TIMEOUT_S, on_timeout=lambda: log_tail(self.log_file))

    def _child_env(self) -> dict[str, str]:
        env = dict(self._env)
        env.setdefault("INTERLOG_STACK_DIR", str(self._settings.stack_dir))
        env.setdefault("INTERLOG_KAFKA_BOOTSTRAP", self._settings.kafka_bootstrap)
        env.setdefault("INTERLOG_DATABASE_URL", self._settings.database_url)
        env.setdefault("INTERLOG_INSTANCE_ID", f"{self.spec.name}-{os.uname().nodename}")
        return env

    def stop(self) -> None:
        pid = self.pid
        if pid is not None:
            terminate(pid, timeout_s=30.0)
        self.pid_file.unlink(missing_ok=True)
