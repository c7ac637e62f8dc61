"""Fixtures of the validate integration tests: a tenant, and settings for one stage process."""

from __future__ import annotations

import dataclasses
import uuid

import psycopg
import pytest

from interlog.settings import Secret, Settings
from tests.support.stacks import free_ports


@pytest.fixture
def tenant(settings: Settings) -> str:
    """A fresh tenant (consent default true) in the stack's database."""
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO interlog.tenant (tenant_id, name) VALUES (%s, %s)", (tenant_id, tenant_id))
    return tenant_id


@pytest.fixture
def stage_settings(settings: Settings) -> Settings:
    """``settings`` for a validate process of its own: metrics port, instance id, master key."""
    ports = dataclasses.replace(settings.ports, validate_metrics=free_ports(1)[0])
    return dataclasses.replace(settings, ports=ports, instance_id=uuid.uuid4().hex[:6],
                               secret_key=Secret("validate-integration-test-key"))
