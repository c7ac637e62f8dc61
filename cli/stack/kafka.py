"""Apache Kafka 4.x in KRaft mode (one combined broker+controller) from Maven Central jars."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from pathlib import Path

from cli.stack.processes import (
    ensure_port_free,
    kill_now,
    log_tail,
    port_answers,
    read_pid,
    spawn,
    terminate,
    wait_for,
)
from interlog.exceptions import StackError
from interlog.settings import Settings

POM = Path(__file__).resolve().parents[2] / "deploy" / "local" / "pom.xml"
READY_TIMEOUT_S = 60.0

LOG4J2 = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def jar_dir(settings: Settings) -> Path:
    """The versioned jar cache, shared by every clone on this machine."""
    return settings.cache_dir / f"kafka-{settings.kafka_version}" / "libs"


def ensure_jars(settings: Settings) -> Path:
    """Fetch the Kafka jars with Maven into the cache unless they are there already."""
    libs = jar_dir(settings)
    marker = libs / ".complete"
    if marker.exists():
        return libs
    for tool, package in (("java", "openjdk-17-jre-headless"), ("mvn", "maven")):
        if shutil.which(tool) is None:
            raise StackError(
                f"`{tool}` is not on PATH: install Java 17+ and Maven "
                f"(Debian: apt-get install {package}), or run `make setup`"
            )
    tmp = libs.with_name("libs.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-Dkafka.version={settings.kafka_version}", f"-DoutputDirectory={tmp}",
        "-DincludeScope=runtime",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise StackError(
            "Maven could not fetch the Kafka jars from Maven Central "
            f"(`{' '.join(cmd)}` exited {done.returncode}):\n{(done.stdout + done.stderr)[-1500:]}"
        )
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    marker.write_text(settings.kafka_version + "\n")
    return libs


def server_properties(settings: Settings, log_dir: Path) -> str:
    p = settings.ports
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{p.kafka_controller}",
            f"listeners=PLAINTEXT://127.0.0.1:{p.kafka},CONTROLLER://127.0.0.1:{p.kafka_controller}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{p.kafka}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={log_dir}",
            "num.partitions=1",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=12",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=12",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "min.insync.replicas=1",
            "default.replication.factor=1",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=168",
            "num.network.threads=2",
            "num.io.threads=4",
            "",
        ]
    )


def new_cluster_id() -> str:
    """A random cluster id as Kafka makes them: URL-safe base64 of a UUID, never starting with
    '-' (the storage tool would read it as an option)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaServer:
    """The stack's single Kafka node: ``start`` is idempotent, ``stop`` waits for exit."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._dir = settings.stack_dir / "kafka"
        self.pid_file = self._dir / "kafka.pid"
        self.log_file = self._dir / "kafka.log"

    @property
    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def running(self) -> bool:
        return self.pid is not None and port_answers(self._settings.ports.kafka)

    def start(self) -> None:
        if self.pid is not None:
            self.wait_ready()
            return
        ports = self._settings.ports
        ensure_port_free(ports.kafka, "Kafka", "INTERLOG_STACK_KAFKA_PORT")
        ensure_port_free(
            ports.kafka_controller, "the Kafka controller", "INTERLOG_STACK_KAFKA_CONTROLLER_PORT"
        )
        libs = ensure_jars(self._settings)
        if shutil.which("java") is None:
            raise StackError(
                "`java` is not on PATH: install Java 17+ (apt-get install openjdk-17-jre-headless)"
            )
        self._dir.mkdir(parents=True, exist_ok=True)
        config = self._dir / "server.properties"
        config.write_text(server_properties(self._settings, self._dir / "data"))
        (self._dir / "log4j2.properties").write_text(LOG4J2)
        classpath = f"{libs}/*"
        if not (self._dir / "data" / "meta.properties").exists():
            self._format(classpath, config)
        argv = [
            "java",
            f"-Xms{self._settings.kafka_heap_mb}m",
            f"-Xmx{self._settings.kafka_heap_mb}m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self._dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self._dir}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(config),
        ]
        spawn(argv, self.log_file, self.pid_file)
        self.wait_ready()

    def _format(self, classpath: str, config: Path) -> None:
        cluster_id = new_cluster_id()
        cmd = [
            "java", "-cp", classpath,
            f"-Dlog4j2.configurationFile={self._dir / 'log4j2.properties'}",
            "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise StackError(
                f"formatting the Kafka log directory failed:\n{(done.stdout + done.stderr)[-1500:]}"
            )

    def wait_ready(self) -> None:
        """Wait until the broker answers metadata requests, or fail with its log tail."""
        from confluent_kafka.admin import AdminClient

        bootstrap = f"127.0.0.1:{self._settings.ports.kafka}"

        def ready() -> bool:
            if self.pid is None:
                raise StackError(f"Kafka exited during start-up; its log says:{log_tail(self.log_file)}")
            if not port_answers(self._settings.ports.kafka):
                return False
            admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
            try:
                meta = admin.list_topics(timeout=2)
            except Exception:  # noqa: BLE001 - any failure here means "not ready yet"
                return False
            return bool(meta.brokers)

        wait_for(
            ready,
            f"Kafka becoming ready on {bootstrap}",
            READY_TIMEOUT_S,
            interval_s=0.2,
            on_timeout=lambda: f"; its log ({self.log_file}) says:{log_tail(self.log_file)}",
        )

    def stop(self) -> None:
        pid = self.pid
        if pid is not None:
            terminate(pid, timeout_s=60.0)
        self.pid_file.unlink(missing_ok=True)
        self._wait_port_closed()

    def kill(self) -> None:
        """SIGKILL the broker, as a crash would (fault tests)."""
        pid = self.pid
        if pid is not None:
            kill_now(pid)
        self.pid_file.unlink(missing_ok=True)
        self._wait_port_closed()

    def _wait_port_closed(self) -> None:
        # The JVM's last threads may still hold the listener for a moment after the pid is gone.
        port = self._settings.ports.kafka
        wait_for(lambda: not port_answers(port), f"Kafka releasing port {port}", 15.0, interval_s=0.05)
