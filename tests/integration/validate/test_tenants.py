"""Tenant secrets and policies against the real database."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from consumers.validate.tenants import TenantDirectory
from interlog.settings import Settings
from schemas.exceptions import TenantSecretError
from schemas.tenant_secrets import TenantSecrets

pytestmark = pytest.mark.integration
MASTER = b"m" * 32


def _tenant(settings: Settings, consent_default: bool = True) -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO interlog.tenant (tenant_id, name, consent_default) VALUES (%s, %s, %s)",
                     (tenant_id, tenant_id, consent_default))
    return tenant_id


def _ciphertext(settings: Settings, tenant_id: str) -> bytes | None:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT secret_ciphertext FROM interlog.tenant WHERE tenant_id = %s",
                           (tenant_id,)).fetchone()
    assert row is not None
    return None if row[0] is None else bytes(row[0])


def test_secret_is_created_once_stored_encrypted_and_stable(stack_settings: Settings) -> None:
    a, b = _tenant(stack_settings), _tenant(stack_settings)
    assert _ciphertext(stack_settings, a) is None
    secret_a = TenantSecrets(stack_settings.database_url, MASTER).secret_for(a)
    stored = _ciphertext(stack_settings, a)
    assert stored is not None and secret_a not in stored and len(secret_a) == 32
    # A new process (fresh cache) reads the same secret back; another tenant gets another one.
    again = TenantSecrets(stack_settings.database_url, MASTER)
    assert again.secret_for(a) == secret_a
    assert again.secret_for(b) != secret_a
    assert _ciphertext(stack_settings, a) == stored
    assert secret_a.hex() not in repr(again)


def test_wrong_master_key_and_unknown_tenant_are_errors(stack_settings: Settings) -> None:
    tenant = _tenant(stack_settings)
    TenantSecrets(stack_settings.database_url, MASTER).secret_for(tenant)
    with pytest.raises(TenantSecretError):
        TenantSecrets(stack_settings.database_url, b"x" * 32).secret_for(tenant)
    with pytest.raises(TenantSecretError):
        TenantSecrets(stack_settings.database_url, MASTER).secret_for("no-such-tenant")


def test_directory_gives_consent_default_and_secret(stack_settings: Settings) -> None:
    secrets = TenantSecrets(stack_settings.database_url, MASTER)
    directory = TenantDirectory(stack_settings.database_url, stack_settings.db, secrets)
    try:
        opted_out = _tenant(stack_settings, consent_default=False)
        policy = directory.policy(opted_out)
        assert policy is not None and policy.consent_default is False
        assert policy.secret == secrets.secret_for(opted_out)
        assert directory.policy("no-such-tenant") is None
        assert repr(policy) == "TenantPolicy(consent_default=False)"
    finally:
        directory.close()
