"""A PostgreSQL connection opened on first use and reopened after it was dropped."""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

CONNECT_TIMEOUT_S = 5


class LazyConnection:
    """``get()`` returns an open autocommit connection (connecting if needed); ``drop()`` closes it
    after a failure, so the next ``get()`` starts afresh."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._conn: psycopg.Connection[Any] | None = None

    def get(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        return self._conn

    def drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None
