"""The one way interlog opens PostgreSQL connections: with timeouts that keep every stage moving.

Every connection (:func:`connect`, :class:`LazyConnection`, the pools built from
:func:`connection_kwargs`) gets:

- server-side ``statement_timeout``, ``lock_timeout`` and ``idle_in_transaction_session_timeout``
  (a slow query, a lock held by a stuck transaction or a forgotten transaction ends with an error
  instead of a wait);
- TCP keepalives and ``tcp_user_timeout`` (a vanished host or a cut network is noticed in seconds);
- ``connect_timeout``;
- an ``application_name`` that says which process holds it (``pg_stat_activity``).

None of those helps when the server process itself is frozen (SIGSTOP, a hung host with a live
kernel): the kernel keeps acknowledging, and a cancel request is never served. :func:`deadline`
covers that case from the client: a watchdog thread severs the socket of a call that outlives its
deadline, so the blocked call fails with ``psycopg.OperationalError`` and the caller treats it like
any lost connection (drop it, back off, retry).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from interlog.settings import DatabaseLimits

__all__ = ["LazyConnection", "connect", "connection_kwargs", "deadline", "is_data_error", "severed_calls"]

_KEEPALIVE_INTERVAL_S = 5
_KEEPALIVE_COUNT = 3


def connection_kwargs(limits: DatabaseLimits, application_name: str) -> dict[str, Any]:
    """Keyword arguments of ``psycopg.connect`` (and of ``psycopg_pool`` pools) for ``limits``."""
    options = " ".join((
        f"-c statement_timeout={int(limits.statement_timeout_s * 1000)}",
        f"-c lock_timeout={int(limits.lock_timeout_s * 1000)}",
        f"-c idle_in_transaction_session_timeout={int(limits.idle_in_transaction_timeout_s * 1000)}",
    ))
    return {
        "connect_timeout": limits.connect_timeout_s,
        "keepalives": 1,
        "keepalives_idle": limits.keepalive_idle_s,
        "keepalives_interval": _KEEPALIVE_INTERVAL_S,
        "keepalives_count": _KEEPALIVE_COUNT,
        "tcp_user_timeout": int((limits.keepalive_idle_s + _KEEPALIVE_INTERVAL_S * _KEEPALIVE_COUNT) * 1000),
        "application_name": application_name[:63],
        "options": options,
    }


def connect(url: str, limits: DatabaseLimits, application_name: str,
            autocommit: bool = True) -> psycopg.Connection[Any]:
    """A new connection to ``url`` with the timeouts of ``limits`` (the connect itself is bounded
    by ``connect_timeout_s``, which psycopg enforces even when the server accepts and then hangs)."""
    return psycopg.connect(url, autocommit=autocommit, **connection_kwargs(limits, application_name))


# SQLSTATE classes of statements refused for the data in them: data exceptions (a NUL byte in
# text, a value out of range, bad JSON), integrity violations, program limits (a row too large for
# an index). Everything else means the server cannot serve now.
_DATA_ERROR_CLASSES = ("22", "23", "54")


def is_data_error(exc: BaseException) -> bool:
    """True when PostgreSQL (or psycopg, while adapting a value) refused a statement because of
    the data in it: retrying the same rows fails the same way, so the rows at fault must go to the
    DLQ. False for everything else (connection lost, timeouts, locks, shutdown, a missing table):
    those mean wait and retry, never blame a row."""
    if not isinstance(exc, psycopg.Error):
        return False
    sqlstate = exc.sqlstate
    if sqlstate is not None:
        return sqlstate[:2] in _DATA_ERROR_CLASSES
    return isinstance(exc, psycopg.DataError)  # raised client-side by an adapter, before sending


class LazyConnection:
    """``get()`` returns an open connection (connecting on first use or after :meth:`drop`);
    ``drop()`` closes it after a failure, so the next ``get()`` starts afresh."""

    def __init__(self, url: str, limits: DatabaseLimits, application_name: str,
                 autocommit: bool = True) -> None:
        self._url = url
        self._limits = limits
        self._application_name = application_name
        self._autocommit = autocommit
        self._conn: psycopg.Connection[Any] | None = None

    @property
    def limits(self) -> DatabaseLimits:
        return self._limits

    def get(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self._url, self._limits, self._application_name, self._autocommit)
        return self._conn

    def drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    @contextlib.contextmanager
    def call(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection, for calls bounded by the client-side deadline; dropped on any error."""
        conn = self.get()
        try:
            with deadline(conn, self._limits.call_deadline_s):
                yield conn
        except BaseException:
            self.drop()
            raise


class _Watchdog:
    """One daemon thread per process: severs the sockets of calls whose deadline has passed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._fds: dict[int, int] = {}  # token -> socket fd, while the call runs
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self.severed = 0

    def watch(self, fd: int, seconds: float) -> int:
        with self._cond:
            token = next(self._tokens)
            self._fds[token] = fd
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def release(self, token: int) -> None:
        with self._cond:
            self._fds.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._fds:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._cond.wait()
                    continue
                due, token = self._heap[0]
                now = time.monotonic()
                if due > now:
                    self._cond.wait(due - now)
                    continue
                heapq.heappop(self._heap)
                fd = self._fds.pop(token)
                _sever(fd)  # under the lock: the call cannot finish and free the fd meanwhile
                self.severed += 1


def _sever(fd: int) -> None:
    """Shut the socket ``fd`` down in both directions (on a duplicate, so the fd stays libpq's)."""
    try:
        sock = socket.socket(fileno=socket.dup(fd))
    except OSError:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def deadline(conn: psycopg.Connection[Any] | None, seconds: float) -> Iterator[None]:
    """Bound the calls made on ``conn`` inside the block to ``seconds`` in all: when the time is
    up, the connection's socket is severed and the blocked call raises ``OperationalError``."""
    if conn is None or conn.closed:
        yield
        return
    token = _WATCHDOG.watch(conn.pgconn.socket, seconds)
    try:
        yield
    finally:
        _WATCHDOG.release(token)


def severed_calls() -> int:
    """How many calls the watchdog has cut off in this process (for tests and metrics)."""
    return _WATCHDOG.severed
