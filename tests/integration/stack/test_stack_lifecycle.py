"""`interlog stack up|status|down` on a private stack, through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import psycopg
import pytest

from cli.stack.processes import pid_alive, port_answers
from interlog.settings import Settings, to_env
from tests.support.stacks import temp_settings

pytestmark = pytest.mark.integration


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOG_")}
    env.update(to_env(settings))
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_up_is_idempotent_and_down_leaves_nothing_behind() -> None:
    settings = temp_settings()
    try:
        first = _cli(settings, "stack", "up")
        assert first.returncode == 0, first.stdout + first.stderr
        status = json.loads(_cli(settings, "stack", "status", "--json").stdout)
        kafka_pid, pg_pid = status["kafka"]["pid"], status["postgres"]["pid"]
        assert status["kafka"]["state"] == status["postgres"]["state"] == "running"
        assert status["kafka_bootstrap"] == settings.kafka_bootstrap
        assert status["database_url"] == settings.database_url
        assert set(status["services"]) == {"bridge", "validate", "store", "api", "scheduler"}
        for svc in status["services"].values():
            assert set(svc) == {"pid", "state", "metrics_url"}

        second = _cli(settings, "stack", "up")
        assert second.returncode == 0, second.stdout + second.stderr
        again = json.loads(_cli(settings, "stack", "status", "--json").stdout)
        assert (again["kafka"]["pid"], again["postgres"]["pid"]) == (kafka_pid, pg_pid)
        service_pids = [s["pid"] for s in again["services"].values() if s["pid"]]
        assert all(s["state"] == "running" for s in again["services"].values() if s["pid"])

        with psycopg.connect(settings.database_url) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'interlog'")}
        assert {"tenant", "api_key", "consumer_offset", "schema_migration"} <= tables

        down = _cli(settings, "stack", "down")
        assert down.returncode == 0, down.stdout + down.stderr
        for pid in [kafka_pid, pg_pid, *service_pids]:
            assert not pid_alive(pid), f"process {pid} survived `stack down`"
        assert not port_answers(settings.ports.kafka)
        assert not port_answers(settings.ports.postgres)
        stopped = json.loads(_cli(settings, "stack", "status", "--json").stdout)
        assert stopped["kafka"]["state"] == stopped["postgres"]["state"] == "stopped"
    finally:
        _cli(settings, "stack", "down")
        shutil.rmtree(settings.stack_dir, ignore_errors=True)


def test_up_restarts_what_is_not_running() -> None:
    from cli.stack.local import LocalStack

    settings = temp_settings()
    stack = LocalStack(settings, env={})
    try:
        stack.up(services=False)
        old_pid = stack.kafka.pid
        assert old_pid is not None
        stack.kafka.kill()
        assert stack.kafka.pid is None
        stack.up(services=False)
        assert stack.kafka.running()
        assert stack.kafka.pid != old_pid
    finally:
        stack.down()
        shutil.rmtree(settings.stack_dir, ignore_errors=True)


def test_taken_port_is_a_clear_cli_error() -> None:
    import socket

    settings = temp_settings()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", settings.ports.postgres))
        sock.listen()
        result = _cli(settings, "stack", "up", "--no-services")
    try:
        assert result.returncode == 2
        assert f"port {settings.ports.postgres} for PostgreSQL is taken" in result.stderr
        assert "INTERLOG_STACK_POSTGRES_PORT" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        _cli(settings, "stack", "down")
        shutil.rmtree(settings.stack_dir, ignore_errors=True)
