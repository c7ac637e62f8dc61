"""Errors of the event contract."""

from __future__ import annotations

from interlog.exceptions import InterlogError


class SchemaError(InterlogError):
    """A payload does not match its schema, or a schema id / registry entry is unknown or broken."""


class TenantSecretError(InterlogError):
    """A tenant's consent-hashing secret cannot be read, created or decrypted."""
