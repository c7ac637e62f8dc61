"""Real local stacks for tests: started on free loopback ports in a temporary directory."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli.stack.local import LocalStack
from cli.stack.topics import TopicSpec, ensure_topics, topic_specs
from interlog.settings import Settings, StackPorts, Topics, load_settings


def free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def fresh_ports() -> StackPorts:
    names = [f.name for f in dataclasses.fields(StackPorts)]
    return StackPorts(**dict(zip(names, free_ports(len(names)), strict=True)))


def temp_settings(base: Settings | None = None) -> Settings:
    """Settings for a brand-new stack: free ports, a new world-traversable temporary directory."""
    base = base or load_settings({"HOME": os.environ.get("HOME", "/root")})
    stack_dir = Path(tempfile.mkdtemp(prefix="interlog-test-"))
    os.chmod(stack_dir, 0o755)  # PostgreSQL may run as another user (root machines)
    ports = fresh_ports()
    return dataclasses.replace(
        base,
        stack_dir=stack_dir,
        ports=ports,
        kafka_bootstrap=f"127.0.0.1:{ports.kafka}",
        database_url=f"postgresql://interlog@127.0.0.1:{ports.postgres}/interlog",
    )


@contextmanager
def running_stack(settings: Settings | None = None) -> Iterator[LocalStack]:
    """A real Kafka + PostgreSQL stack (no services) that is stopped and removed afterwards."""
    settings = settings or temp_settings()
    stack = LocalStack(settings, env={})
    try:
        stack.up(services=False)
        yield stack
    finally:
        stack.down()
        shutil.rmtree(settings.stack_dir, ignore_errors=True)


def with_fresh_topics(settings: Settings, partitions: tuple[int, int, int] = (3, 3, 1)) -> Settings:
    """``settings`` with new, created topic names, so each test sees only its own records."""
    tag = uuid.uuid4().hex[:8]
    topics = Topics(raw=f"t-{tag}.raw", v1=f"t-{tag}.v1", dlq=f"t-{tag}.dlq")
    fresh = dataclasses.replace(settings, topics=topics)
    specs = [
        TopicSpec(s.name, n, s.retention_ms)
        for s, n in zip(topic_specs(fresh), partitions, strict=True)
    ]
    ensure_topics(fresh, specs)
    return fresh
