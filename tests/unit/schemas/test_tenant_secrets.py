"""Tenant secret encryption and the master key (no database here; see the integration test)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from interlog.settings import load_settings
from schemas.exceptions import TenantSecretError
from schemas.tenant_secrets import (
    decrypt_secret,
    encrypt_secret,
    load_or_create_key_file,
    master_key_from_settings,
)

KEY = b"k" * 32


def test_round_trip_and_fresh_nonce() -> None:
    a = encrypt_secret(KEY, "tenant-a", b"s" * 32)
    b = encrypt_secret(KEY, "tenant-a", b"s" * 32)
    assert a != b
    assert decrypt_secret(KEY, "tenant-a", a) == b"s" * 32
    assert b"s" * 8 not in a


def test_ciphertext_is_bound_to_key_and_tenant() -> None:
    blob = encrypt_secret(KEY, "tenant-a", b"s" * 32)
    with pytest.raises(TenantSecretError):
        decrypt_secret(b"x" * 32, "tenant-a", blob)
    with pytest.raises(TenantSecretError):
        decrypt_secret(KEY, "tenant-b", blob)
    with pytest.raises(TenantSecretError):
        decrypt_secret(KEY, "tenant-a", b"\x02" + blob[1:])


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "stack" / "master.key"
    first = load_or_create_key_file(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key_file(path) == first


def test_master_key_comes_from_the_setting_or_the_stack_dir(tmp_path: Path) -> None:
    with_secret = load_settings({"INTERLOG_SECRET_KEY": "correct horse", "INTERLOG_STACK_DIR": str(tmp_path)})
    assert master_key_from_settings(with_secret) == master_key_from_settings(with_secret)
    assert len(master_key_from_settings(with_secret)) == 32
    assert not (tmp_path / "master.key").exists()
    without = load_settings({"INTERLOG_STACK_DIR": str(tmp_path)})
    assert master_key_from_settings(without) == (tmp_path / "master.key").read_bytes()


def test_broken_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "master.key").write_bytes(b"short")
    with pytest.raises(TenantSecretError):
        load_or_create_key_file(tmp_path / "master.key")
