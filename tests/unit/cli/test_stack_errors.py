"""The local stack explains what to install or change instead of printing a traceback."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from cli.stack import kafka as kafka_module
from cli.stack import postgres as postgres_module
from cli.stack.processes import ensure_port_free, wait_for
from interlog.exceptions import StackError
from interlog.settings import StackPorts, load_settings


def test_taken_port_names_the_variable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(StackError, match=rf"port {port} for Kafka is taken.*INTERLOG_STACK_KAFKA_PORT"):
            ensure_port_free(port, "Kafka", "INTERLOG_STACK_KAFKA_PORT")


def test_free_port_passes() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ensure_port_free(port, "Kafka", "INTERLOG_STACK_KAFKA_PORT")


def test_readiness_deadline_says_what_did_not_happen() -> None:
    with pytest.raises(StackError, match="Kafka becoming ready did not happen within 0 s; log tail"):
        wait_for(lambda: False, "Kafka becoming ready", 0.05, interval_s=0.01,
                 on_timeout=lambda: "; log tail")


def test_missing_java_or_maven_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cli.stack.kafka.shutil.which", lambda tool: None)
    settings = load_settings({"INTERLOG_CACHE_DIR": str(tmp_path)})
    with pytest.raises(StackError, match=r"`java` is not on PATH: install Java 17\+ and Maven"):
        kafka_module.ensure_jars(settings)


def test_missing_postgres_binaries_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cli.stack.postgres.glob.glob", lambda pattern: [])
    monkeypatch.setattr("cli.stack.postgres.shutil.which", lambda tool: None)
    with pytest.raises(StackError, match="apt-get install postgresql"):
        postgres_module.find_bin_dir()


def test_server_properties_use_loopback_and_single_node_replication(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        load_settings({}), ports=dataclasses.replace(StackPorts(), kafka=29092, kafka_controller=29093)
    )
    props = dict(
        line.split("=", 1)
        for line in kafka_module.server_properties(settings, tmp_path).splitlines() if line
    )
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert props["process.roles"] == "broker,controller"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert props["log.dirs"] == str(tmp_path)


def test_cluster_ids_never_look_like_options() -> None:
    ids = [kafka_module.new_cluster_id() for _ in range(3000)]
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)
