"""Per-tenant HMAC secrets for consent hashing, stored encrypted in ``interlog.tenant``.

A tenant's 32-byte secret is generated on first use and stored in
``interlog.tenant.secret_ciphertext`` encrypted with AES-256-GCM (the tenant id is the associated
data, so a ciphertext cannot be moved to another tenant). The master key is derived from
``settings.secret_key`` (``INTERLOG_SECRET_KEY``) when set, else read from (or created as) the
32-byte file ``<settings.stack_dir>/master.key`` with mode 0600. Secrets are cached per process
and never logged or shown in a repr.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.exceptions import TenantSecretError

if TYPE_CHECKING:
    from interlog.settings import Settings

SECRET_BYTES = 32
NONCE_BYTES = 12
MASTER_KEY_FILE = "master.key"
_FORMAT = b"\x01"  # ciphertext layout version: 0x01 | nonce | AES-GCM(secret) with tag


def master_key_from_settings(settings: Settings) -> bytes:
    """The 32-byte master key: SHA-256 of ``INTERLOG_SECRET_KEY``, else the stack's key file."""
    if settings.secret_key.value:
        return hashlib.sha256(b"interlog-master-key\x00" + settings.secret_key.value.encode()).digest()
    return load_or_create_key_file(settings.stack_dir / MASTER_KEY_FILE)


def load_or_create_key_file(path: Path) -> bytes:
    """Read the 32-byte key in ``path``, creating it (mode 0600, exclusively) when absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(SECRET_BYTES))
    key = path.read_bytes()
    if len(key) != SECRET_BYTES:
        raise TenantSecretError(f"master key file {path} must hold exactly {SECRET_BYTES} bytes")
    return key


def encrypt_secret(master_key: bytes, tenant_id: str, secret: bytes) -> bytes:
    """The stored form of ``secret`` for ``tenant_id``."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return _FORMAT + nonce + AESGCM(master_key).encrypt(nonce, secret, tenant_id.encode())


def decrypt_secret(master_key: bytes, tenant_id: str, blob: bytes) -> bytes:
    """The secret in ``blob``; raises TenantSecretError on a wrong key, tenant or format."""
    if len(blob) < 1 + NONCE_BYTES or blob[:1] != _FORMAT:
        raise TenantSecretError(f"tenant {tenant_id}: unknown secret ciphertext format")
    nonce, body = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:]
    try:
        return AESGCM(master_key).decrypt(nonce, body, tenant_id.encode())
    except InvalidTag:
        raise TenantSecretError(
            f"tenant {tenant_id}: the secret does not decrypt with this master key "
            "(INTERLOG_SECRET_KEY or master.key changed?)"
        ) from None


class TenantSecrets:
    """Per-tenant secrets from the database, generated on first use, cached in the process."""

    def __init__(self, database_url: str, master_key: bytes) -> None:
        self._database_url = database_url
        self._master_key = master_key
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TenantSecrets(cached={len(self._cache)})"

    @classmethod
    def from_settings(cls, settings: Settings) -> TenantSecrets:
        return cls(settings.database_url, master_key_from_settings(settings))

    def secret_for(self, tenant_id: str, conn: psycopg.Connection[tuple[object, ...]] | None = None) -> bytes:
        """The secret of ``tenant_id``; raises TenantSecretError when the tenant does not exist.

        ``conn`` (autocommit or not) is used when given, else a short-lived connection.
        """
        cached = self._cache.get(tenant_id)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._cache.get(tenant_id)
            if cached is not None:
                return cached
            if conn is None:
                with psycopg.connect(self._database_url, autocommit=True) as own:
                    secret = self._load_or_create(own, tenant_id)
            else:
                secret = self._load_or_create(conn, tenant_id)
            self._cache[tenant_id] = secret
            return secret

    def _load_or_create(self, conn: psycopg.Connection[tuple[object, ...]], tenant_id: str) -> bytes:
        row = conn.execute(
            "SELECT secret_ciphertext FROM interlog.tenant WHERE tenant_id = %s", (tenant_id,)
        ).fetchone()
        if row is None:
            raise TenantSecretError(f"unknown tenant {tenant_id!r}")
        if row[0] is None:
            fresh = encrypt_secret(self._master_key, tenant_id, secrets.token_bytes(SECRET_BYTES))
            # Another process may race us: only the first write wins, everyone reads it back.
            conn.execute(
                "UPDATE interlog.tenant SET secret_ciphertext = %s "
                "WHERE tenant_id = %s AND secret_ciphertext IS NULL",
                (fresh, tenant_id),
            )
            row = conn.execute(
                "SELECT secret_ciphertext FROM interlog.tenant WHERE tenant_id = %s", (tenant_id,)
            ).fetchone()
            if row is None or row[0] is None:
                raise TenantSecretError(f"tenant {tenant_id!r} disappeared while creating its secret")
        blob = row[0]
        if not isinstance(blob, bytes | memoryview):
            raise TenantSecretError(f"tenant {tenant_id!r}: secret_ciphertext is not bytea")
        return decrypt_secret(self._master_key, tenant_id, bytes(blob))
