"""API keys (write and read) and tenant CORS origins from PostgreSQL, cached for ``ttl_s`` seconds.

Lookups run on a small ``psycopg_pool`` in worker threads (the event loop never blocks on the
database) and concurrent lookups of one key share one query. Unknown keys are cached too
(negative entries), so a flood of bad keys costs one query per key per TTL; a revoked key stops
working within the TTL. When PostgreSQL is unreachable, the last known answer is used if there
is one; otherwise :class:`KeyStoreUnavailable` is raised (the bridge answers 503).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import psycopg
from prometheus_client import Counter
from psycopg_pool import ConnectionPool, PoolTimeout

from interlog.cache import TtlCache
from interlog.db import connection_kwargs, deadline
from interlog.exceptions import KeyStoreUnavailable
from interlog.keys import MAX_KEY_CHARS, KeyKind, lookup_key
from interlog.settings import DatabaseLimits

KEY_LOOKUPS = Counter("interlog_key_lookups_total", "API-key resolutions by result.", ["result"])

log = logging.getLogger(__name__)

_ALL_ORIGINS = "\x00all-tenants"


@dataclass(frozen=True)
class KeyGrant:
    """What a key allows: its id (rate-limit bucket), tenant, kind and the tenant's CORS origins."""

    key_id: str
    tenant_id: str
    kind: KeyKind
    cors_origins: frozenset[str]


class KeyDirectory:
    """Resolves keys to :class:`KeyGrant` (None: unknown or revoked)."""

    def __init__(self, database_url: str, limits: DatabaseLimits, ttl_s: float, application_name: str,
                 pool_size: int = 4) -> None:
        self._limits = limits
        self._pool = ConnectionPool(
            database_url, min_size=1, max_size=pool_size, open=False, timeout=3.0,
            kwargs={"autocommit": True, **connection_kwargs(limits, application_name)},
            name=f"{application_name}-keys",
            check=ConnectionPool.check_connection,  # lookups are rare (cached); survive DB restarts
        )
        self._keys: TtlCache[KeyGrant | None] = TtlCache(ttl_s, time.monotonic)
        self._origins: TtlCache[frozenset[str]] = TtlCache(ttl_s, time.monotonic, max_entries=16)
        self._inflight: dict[str, asyncio.Future[KeyGrant | None]] = {}

    def open(self) -> None:
        """Start the pool without waiting for PostgreSQL (lookups fail with 503 until it answers)."""
        self._pool.open(wait=False)

    def close(self) -> None:
        self._pool.close(timeout=5.0)

    async def resolve(self, key: str) -> KeyGrant | None:
        """The grant of ``key`` (cached); raises :class:`KeyStoreUnavailable` when it cannot be known."""
        if len(key) > MAX_KEY_CHARS:
            return None
        entry = self._keys.get(key)
        if entry is not None:
            KEY_LOOKUPS.labels("cached").inc()
            return entry.value
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[KeyGrant | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            grant = await self._query(key)
            future.set_result(grant)
            return grant
        except KeyStoreUnavailable as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]
            if not future.done():  # cancelled mid-lookup: waiters must not hang
                future.cancel()

    async def _query(self, key: str) -> KeyGrant | None:
        try:
            grant = await asyncio.to_thread(self._lookup_sync, key)
        except (psycopg.Error, PoolTimeout) as exc:
            stale = self._keys.stale(key)
            if stale is not None and stale.value is not None:
                KEY_LOOKUPS.labels("stale").inc()
                return stale.value
            KEY_LOOKUPS.labels("error").inc()
            log.warning("key lookup failed", extra={"error": str(exc)})
            raise KeyStoreUnavailable("key store unavailable") from None
        KEY_LOOKUPS.labels("found" if grant else "unknown").inc()
        self._keys.put(key, grant)
        return grant

    def _lookup_sync(self, key: str) -> KeyGrant | None:
        with self._pool.connection() as conn, deadline(conn, self._limits.call_deadline_s):
            info = lookup_key(conn, key)
            if info is None:
                return None
            row = conn.execute(
                "SELECT cors_origins FROM interlog.tenant WHERE tenant_id = %s", (info.tenant_id,)
            ).fetchone()
        origins = frozenset(row[0] or ()) if row else frozenset()
        return KeyGrant(info.key_id, info.tenant_id, info.kind, origins)

    async def any_tenant_origins(self) -> frozenset[str]:
        """The union of every tenant's CORS origins: the policy of answers given before the tenant
        is known (preflights without a key, 401s), so that browsers can read those statuses."""
        entry = self._origins.get(_ALL_ORIGINS)
        if entry is not None:
            return entry.value
        try:
            origins = await asyncio.to_thread(self._all_origins_sync)
        except (psycopg.Error, PoolTimeout):
            stale = self._origins.stale(_ALL_ORIGINS)
            return stale.value if stale is not None else frozenset()
        self._origins.put(_ALL_ORIGINS, origins)
        return origins

    def _all_origins_sync(self) -> frozenset[str]:
        with self._pool.connection() as conn, deadline(conn, self._limits.call_deadline_s):
            rows = conn.execute(
                "SELECT DISTINCT unnest(cors_origins) FROM interlog.tenant"
            ).fetchall()
        return frozenset(str(r[0]) for r in rows)
