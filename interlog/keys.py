"""API keys: a key maps to one tenant and one kind (write or read); only its hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

import psycopg

KeyKind = Literal["write", "read"]
MAX_KEY_CHARS = 200
"""Longer strings are not keys: refused without a lookup."""
_PREFIX = {"write": "ilw", "read": "ilr"}


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    tenant_id: str
    kind: KeyKind


def hash_key(key: str) -> bytes:
    """SHA-256 of the key: keys are long random strings, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).digest()


def new_key(kind: KeyKind) -> tuple[str, str]:
    """A fresh ``(key_id, key)``; the key id is the key's public prefix."""
    key_id = f"{_PREFIX[kind]}_{secrets.token_hex(4)}"
    return key_id, f"{key_id}_{secrets.token_urlsafe(24)}"


def ensure_tenant(conn: psycopg.Connection[tuple[object, ...]], tenant_id: str) -> None:
    conn.execute(
        "INSERT INTO interlog.tenant (tenant_id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (tenant_id, tenant_id),
    )


def create_key(database_url: str, tenant_id: str, kind: KeyKind) -> str:
    """Create a key for ``tenant_id`` (creating the tenant if needed); returns the key itself."""
    if not tenant_id or len(tenant_id) > 64 or not tenant_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(
            f"tenant id {tenant_id!r} must be 1-64 characters of letters, digits, '-' and '_'"
        )
    key_id, key = new_key(kind)
    with psycopg.connect(database_url) as conn:
        ensure_tenant(conn, tenant_id)
        conn.execute(
            "INSERT INTO interlog.api_key (key_id, key_hash, tenant_id, kind) VALUES (%s, %s, %s, %s)",
            (key_id, hash_key(key), tenant_id, kind),
        )
    return key


def revoke_key(database_url: str, key_id: str) -> bool:
    with psycopg.connect(database_url) as conn:
        cur = conn.execute(
            "UPDATE interlog.api_key SET revoked_at = now() WHERE key_id = %s AND revoked_at IS NULL",
            (key_id,),
        )
        return cur.rowcount == 1


def lookup_key(conn: psycopg.Connection[tuple[object, ...]], key: str) -> KeyInfo | None:
    """The live key matching ``key``, or None for an unknown or revoked key."""
    row = conn.execute(
        "SELECT key_id, tenant_id, kind FROM interlog.api_key WHERE key_hash = %s AND revoked_at IS NULL",
        (hash_key(key),),
    ).fetchone()
    if row is None:
        return None
    return KeyInfo(str(row[0]), str(row[1]), row[2])  # type: ignore[arg-type]
