"""Detached child processes with pid files, and waiting on conditions with deadlines."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from interlog.exceptions import StackError


def port_answers(port: int, host: str = "127.0.0.1", timeout: float = 0.25) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(port: int, what: str, variable: str) -> None:
    """Fail with a message naming the setting when another program listens on ``port``.

    A port that only has lingering connections of a crashed server (it cannot be bound yet, but
    nothing accepts on it) is not "taken": the server binds it with SO_REUSEADDR.
    """
    if port_answers(port):
        raise StackError(
            f"port {port} for {what} is taken by another program; "
            f"stop it or choose another port with {variable}=<port>"
        )


def wait_for(
    condition: Callable[[], bool],
    what: str,
    timeout_s: float,
    interval_s: float = 0.1,
    on_timeout: Callable[[], str] | None = None,
) -> None:
    """Poll ``condition`` until it is true, or raise :class:`StackError` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return
        if time.monotonic() >= deadline:
            hint = on_timeout() if on_timeout else ""
            raise StackError(f"{what} did not happen within {timeout_s:.0f} s{hint}")
        time.sleep(interval_s)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def spawn(
    argv: Sequence[str],
    log_file: Path,
    pid_file: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``argv`` in its own session (it outlives the caller), output appended to ``log_file``.

    ``posix_spawn`` rather than ``Popen``: the server is meant to outlive this process, so there
    is no Popen object to report it as leaked; :func:`terminate` reaps it when we stop it.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        pid = os.posix_spawnp(
            argv[0],
            list(argv),
            dict(os.environ if env is None else env),
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, out, 1),
                (os.POSIX_SPAWN_DUP2, out, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(out)
        os.close(devnull)
    pid_file.write_text(f"{pid}\n")
    return pid


def terminate(pid: int, timeout_s: float = 30.0) -> None:
    """SIGTERM the process group of ``pid``, wait, then SIGKILL what is left."""
    _signal_group(pid, signal.SIGTERM)
    if not _wait_gone(pid, timeout_s):
        kill_now(pid)


def kill_now(pid: int, timeout_s: float = 10.0) -> None:
    """SIGKILL the process group of ``pid`` (a crash, as in ``kill -9``) and wait for it to go."""
    _signal_group(pid, signal.SIGKILL)
    _wait_gone(pid, timeout_s)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _wait_gone(pid: int, timeout_s: float) -> bool:
    """Wait until ``pid`` has exited (reaping it if it is our child); False on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        _reap(pid)
        if not pid_alive(pid):
            _reap(pid)  # a zombie counts as gone; reap it now
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def log_tail(log_file: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of ``log_file``, for error messages."""
    try:
        text = log_file.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n  " + "\n  ".join(text) if text else ""
