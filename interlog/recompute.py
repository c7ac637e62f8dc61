"""Compare the aggregate tables with their recomputation from ``user_interaction_event`` (I/O).

The recomputation queries live with the aggregates (``aggregators.recomputation``); callers pass
them in, so this layer imports nothing built on it. Used by the property and fault tests and by an
operator's consistency check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import psycopg


class Recomputable(Protocol):
    @property
    def table(self) -> str: ...
    @property
    def columns(self) -> tuple[str, ...]: ...
    @property
    def query(self) -> str: ...
    @property
    def order(self) -> str: ...


def recomputed(conn: psycopg.Connection[Any], spec: Recomputable, tenant: str,
               parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows ``spec.table`` should hold for ``tenant``, computed from the event table alone."""
    return [tuple(r) for r in conn.execute(spec.query, {**parameters, "tenant": tenant}).fetchall()]


def stored(conn: psycopg.Connection[Any], spec: Recomputable, tenant: str) -> list[tuple[Any, ...]]:
    """The rows ``spec.table`` holds for ``tenant``, same columns and order as :func:`recomputed`."""
    query = (f"SELECT {', '.join(spec.columns)} FROM interlog.{spec.table} WHERE tenant_id = %s"
             f" ORDER BY {spec.order}")
    return [tuple(r) for r in conn.execute(query, (tenant,)).fetchall()]


def mismatches(conn: psycopg.Connection[Any], tenant: str, specs: Sequence[Recomputable],
               parameters: Mapping[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Per aggregate table that differs from its recomputation: (stored rows, expected rows,
    rows that differ). Empty when everything matches."""
    out: dict[str, tuple[int, int, int]] = {}
    for spec in specs:
        have, want = stored(conn, spec, tenant), recomputed(conn, spec, tenant, parameters)
        if have != want:
            out[spec.table] = (len(have), len(want), len(set(have) ^ set(want)))
    return out
