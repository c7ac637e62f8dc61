"""One store batch = one PostgreSQL transaction (the stage's write path, without Kafka).

``write_batch`` inserts the events, folds only the newly inserted ones into per-key deltas
(``aggregators/``), upserts each aggregate table with one statement, advances the stored offsets
with a compare-and-set and commits. A duplicate (retry, replay after a crash, rebalance) inserts no
row, so it is never counted twice; a consumer whose partition was taken over fails the
compare-and-set and rolls back.

Inserting, in two ways with the same outcome (the unique indexes of the table are the arbiter):

1. Fast path, the usual case of a batch of new events: repeats of an event inside the batch are
   dropped beforehand (``prepare.py``: the first occurrence wins, as with ``ON CONFLICT DO
   NOTHING`` over the batch in order), and the rest is COPYed in binary straight into the
   partitioned table inside a savepoint; the aggregate deltas prepared for all of them apply.
   COPY inserts rows in bulk; ``INSERT ... SELECT ... ON CONFLICT`` costs about 1.4x more server
   time per row (speculative insertion, one row at a time, plus the staging table).
2. If any row already exists (the COPY fails with a unique violation, and the savepoint undoes
   it), the batch goes through a binary COPY into a temporary staging table and
   ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``, which returns the rows that are
   new; only those are folded into the deltas. After such a batch, :class:`FastPathGate` sends the
   next batches straight to this path for a while, so that a stream full of duplicates (a replayed
   validate output) does not pay for a failed COPY every time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from consumers.store import sql
from consumers.store.exceptions import OffsetConflictError
from consumers.store.prepare import AggregateParams, PreparedEvents, aggregate_params, prepare_events
from consumers.store.rows import DIRECT_DUMPERS, STAGING_TYPES, TARGET_TYPES, event_key
from interlog.partitions import PartitionCatalog


@dataclass(frozen=True)
class OffsetClaim:
    """The batch's records of one partition: stored offset it started from, and the next one."""

    partition: int
    expected: int | None  # next_offset in Postgres when this consumer took over (None: no row)
    next_offset: int  # last offset of the batch + 1


@dataclass
class WriteResult:
    inserted: list[Mapping[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    aggregate_s: float = 0.0  # seconds spent upserting aggregates (folds are made in prepare.py)
    staged: bool = False  # True when the batch took the staged ON CONFLICT path (not the COPY)


class FastPathGate:
    """Whether a batch tries the direct COPY first. After a batch whose COPY met a stored event,
    the next 1, 2, 4, ... (at most ``max_skip``) batches take the staged insert directly; a
    successful COPY resets the penalty. Either path stores the same rows: this only saves work."""

    def __init__(self, max_skip: int = 32) -> None:
        self._max_skip = max_skip
        self._penalty = 0
        self._skip = 0

    def try_copy(self) -> bool:
        if self._skip > 0:
            self._skip -= 1
            return False
        return True

    def copied(self, ok: bool) -> None:
        """Outcome of a direct COPY attempt (False: it met a stored event and was undone)."""
        if ok:
            self._penalty = 0
        else:
            self._penalty = min(max(1, self._penalty * 2), self._max_skip)
            self._skip = self._penalty


def write_batch(
    conn: psycopg.Connection[Any],
    events: Sequence[Mapping[str, Any]],
    claims: Sequence[OffsetClaim],
    group_id: str,
    topic: str,
    partitions: PartitionCatalog,
    gate: FastPathGate | None = None,
) -> WriteResult:
    """Store ``events`` and advance ``claims`` atomically; returns the newly inserted events.

    Raises :class:`OffsetConflictError` (after rolling back) when a stored offset is no longer the
    claimed one, and ``psycopg.Error`` on database failures (also rolled back).
    """
    return write_prepared(conn, prepare_events(events), claims, group_id, topic, partitions, gate)


def write_prepared(
    conn: psycopg.Connection[Any],
    prepared: PreparedEvents,
    claims: Sequence[OffsetClaim],
    group_id: str,
    topic: str,
    partitions: PartitionCatalog,
    gate: FastPathGate | None = None,
) -> WriteResult:
    """:func:`write_batch` of a batch already passed through :func:`prepare_events`; ``gate``
    (kept across batches by the caller) decides whether to try the direct COPY first."""
    result = WriteResult()
    if prepared.rows:
        partitions.ensure(conn, (e["timestamp"] for e in prepared.events))
    with conn.transaction():
        if prepared.rows:
            if gate is None or gate.try_copy():
                result.staged = not _copy_new_events(conn, prepared.rows)
                if gate is not None:
                    gate.copied(not result.staged)
            else:
                result.staged = True
            aggregates = prepared.aggregates
            if result.staged:
                result.inserted = _insert_staged(conn, prepared)
                if len(result.inserted) != len(prepared.events):  # fold only the new ones
                    aggregates = aggregate_params(result.inserted)
            else:
                result.inserted = prepared.events
            result.duplicates = prepared.received - len(result.inserted)
            started = time.perf_counter()
            _upsert_aggregates(conn, aggregates)
            result.aggregate_s = time.perf_counter() - started
        if claims:
            _advance_offsets(conn, claims, group_id, topic)
    return result


def _copy_new_events(conn: psycopg.Connection[Any], rows: Sequence[list[Any]]) -> bool:
    """The fast path: COPY ``rows`` straight into the event table in a savepoint of the batch's
    transaction. False (and nothing inserted) when one of them is stored already."""
    try:
        with conn.transaction(), conn.cursor() as cur:  # savepoint: a conflict undoes only this
            for dumper in DIRECT_DUMPERS:
                cur.adapters.register_dumper(None, dumper)
            with cur.copy(sql.COPY_EVENTS_DIRECT) as copy:
                copy.set_types(list(TARGET_TYPES))
                for row in rows:
                    copy.write_row(row)
    except psycopg.errors.UniqueViolation:
        return False
    return True


def _insert_staged(conn: psycopg.Connection[Any], prepared: PreparedEvents) -> list[Mapping[str, Any]]:
    """Binary COPY into the staging table, then ``INSERT ... ON CONFLICT DO NOTHING RETURNING``;
    returns the events that were new."""
    by_key: dict[tuple[str, str, datetime], Mapping[str, Any]] = {}
    with conn.cursor() as cur:
        cur.execute(sql.CREATE_STAGING)
        with cur.copy(sql.COPY_STAGING) as copy:
            copy.set_types(list(STAGING_TYPES))
            for row, event in zip(prepared.rows, prepared.events, strict=True):
                copy.write_row(row)
                by_key[(row[0], str(uuid.UUID(row[1])), row[2])] = event  # as the server prints it
        cur.execute(sql.INSERT_EVENTS)
        inserted = [by_key[event_key(t, e, ts)] for t, e, ts in cur.fetchall()]
    return inserted


def _upsert_aggregates(conn: psycopg.Connection[Any], aggregates: AggregateParams) -> None:
    if aggregates.empty:
        return
    with conn.cursor() as cur:
        cur.execute(sql.UPSERT_SESSIONS, (aggregates.sessions,))
        cur.execute(sql.UPSERT_ITEMS, (aggregates.viewers, aggregates.items))


def _advance_offsets(
    conn: psycopg.Connection[Any], claims: Sequence[OffsetClaim], group_id: str, topic: str
) -> None:
    existing = [c for c in claims if c.expected is not None]
    new = [c for c in claims if c.expected is None]
    done = 0
    with conn.cursor() as cur:
        if existing:
            cur.execute(sql.ADVANCE_OFFSETS, (
                [c.partition for c in existing], [c.expected for c in existing],
                [c.next_offset for c in existing], group_id, topic,
            ))
            done += len(cur.fetchall())
        if new:
            cur.execute(sql.CREATE_OFFSETS, (
                group_id, topic, [c.partition for c in new], [c.next_offset for c in new],
            ))
            done += len(cur.fetchall())
    if done != len(claims):
        raise OffsetConflictError(
            f"stored offsets of {topic} for group {group_id} moved: another consumer owns a partition"
        )


def read_offsets(
    conn: psycopg.Connection[Any], group_id: str, topic: str, partitions: Sequence[int]
) -> dict[int, int]:
    """Stored next offsets of ``partitions`` (missing partitions have no row yet)."""
    with conn.transaction():
        rows = conn.execute(sql.READ_OFFSETS, (group_id, topic, list(partitions))).fetchall()
    return {int(p): int(o) for p, o in rows}
