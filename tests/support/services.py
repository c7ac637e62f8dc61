"""interlog services run as real child processes with test settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from interlog.settings import Settings, to_env


class ServiceProcess:
    """``python -m interlog <command>`` with the environment of ``settings``."""

    def __init__(self, command: Sequence[str], settings: Settings, log_path: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOG_")}
        env.update(to_env(settings))
        env.update(extra_env or {})
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *command], env=env, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code (SIGKILL after ``timeout_s``)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def service(command: Sequence[str], settings: Settings, log_path: Path,
            extra_env: dict[str, str] | None = None) -> Iterator[ServiceProcess]:
    proc = ServiceProcess(command, settings, log_path, extra_env)
    try:
        yield proc
    finally:
        proc.stop()
