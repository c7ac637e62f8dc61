"""Tenant policies from PostgreSQL for the validate core: consent default and HMAC secret.

Cached per process: the secret forever (it never changes), the consent default for
``ttl_s`` seconds (an operator may change it). One autocommit connection, reopened after errors.
"""

from __future__ import annotations

import threading
import time

import psycopg

from consumers.validate.core import TenantPolicy, TenantStoreError
from interlog.db import connect, deadline
from interlog.settings import DatabaseLimits
from schemas.tenant_secrets import TenantSecrets

_MISSING = TenantPolicy(b"", False)


class TenantDirectory:
    """``policy(tenant_id)`` for :class:`consumers.validate.core.Validator`."""

    def __init__(self, database_url: str, limits: DatabaseLimits, secrets: TenantSecrets,
                 ttl_s: float = 30.0) -> None:
        self._database_url = database_url
        self._limits = limits
        self._secrets = secrets
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, TenantPolicy]] = {}
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._lock = threading.Lock()

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self._database_url, self._limits, "interlog-validate")
        return self._conn

    def policy(self, tenant_id: str) -> TenantPolicy | None:
        now = time.monotonic()
        hit = self._cache.get(tenant_id)
        if hit is not None and hit[0] > now:
            return None if hit[1] is _MISSING else hit[1]
        with self._lock:
            try:
                policy = self._load(tenant_id)
            except psycopg.Error as exc:
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                raise TenantStoreError(f"tenant store unavailable: {exc}") from exc
        self._cache[tenant_id] = (now + self._ttl_s, policy or _MISSING)
        return policy

    def _load(self, tenant_id: str) -> TenantPolicy | None:
        conn = self._connection()
        with deadline(conn, self._limits.call_deadline_s):
            return self._policy_row(conn, tenant_id)

    def _policy_row(self, conn: psycopg.Connection[tuple[object, ...]],
                    tenant_id: str) -> TenantPolicy | None:
        row = conn.execute(
            "SELECT consent_default FROM interlog.tenant WHERE tenant_id = %s", (tenant_id,)
        ).fetchone()
        if row is None:
            return None
        # A secret that does not decrypt (master key changed) raises: that is a setup error.
        return TenantPolicy(self._secrets.secret_for(tenant_id, conn), bool(row[0]))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
