"""A store batch made ready for the database, before any I/O (pure; runs on the consumer thread).

The stage prepares batch N+1 here while the writer thread waits on PostgreSQL for batch N, so
that the writer thread holds Python's GIL as little as possible (its job is then the COPY and a
few statements). Preparing means:

- the COPY rows (:func:`~consumers.store.rows.event_row`), with repeats of an event inside the
  batch dropped: the first occurrence of a ``(tenantId, eventId)`` wins, as it would with
  ``INSERT ... ON CONFLICT DO NOTHING`` over the batch in order;
- the aggregate deltas of those events (``aggregators/``) as the JSON parameters of the upserts
  (``consumers/store/sql.py``), valid when every kept event turns out to be new; the writer
  recomputes them with :func:`aggregate_params` over the inserted events when some were stored
  already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

import orjson

from aggregators.item_stats import ItemAggregate, ItemKey, fold_items
from aggregators.sessions import SessionAggregate, SessionKey, fold_sessions
from consumers.store import sql
from consumers.store.rows import event_row


@dataclass(frozen=True)
class AggregateParams:
    """Parameters of ``sql.UPSERT_SESSIONS`` (``sessions``) and ``sql.UPSERT_ITEMS`` (``viewers``,
    ``items``): JSON arrays of row arrays in the column order of ``sql.SESSION_DELTA_COLUMNS``,
    ``sql.VIEWER_COLUMNS`` and ``sql.ITEM_ROW_COLUMNS``, each sorted by key."""

    sessions: str
    viewers: str
    items: str
    session_rows: int  # 0: nothing to upsert

    @property
    def empty(self) -> bool:
        return self.session_rows == 0


@dataclass(frozen=True)
class PreparedEvents:
    rows: list[list[Any]]  # COPY rows in EVENT_COLUMNS order, one per distinct event
    events: list[Mapping[str, Any]]  # the events of ``rows``, same order
    received: int  # events in the batch, repeats included
    aggregates: AggregateParams  # deltas of all ``events`` (for when all of them are new)


def prepare_events(events: Sequence[Mapping[str, Any]]) -> PreparedEvents:
    """Rows and aggregate deltas of ``events`` (canonical validated events, in batch order)."""
    firsts: dict[tuple[str, str], tuple[list[Any], Mapping[str, Any]]] = {}
    for event in events:
        row = event_row(event)
        firsts.setdefault((row[0], row[1]), (row, event))  # (tenant_id, lower-case event_id)
    kept = [event for _row, event in firsts.values()]
    return PreparedEvents([row for row, _event in firsts.values()], kept, len(events),
                          aggregate_params(kept))


def aggregate_params(events: Sequence[Mapping[str, Any]]) -> AggregateParams:
    """Upsert parameters of the deltas of ``events``, each counted once (pass new events only).

    Keys are sorted, so that concurrent writers lock aggregate rows in one order (no deadlocks).
    """
    sessions = fold_sessions(events)
    items, viewers = fold_items(events)
    return AggregateParams(_json(_session_rows(sessions)), _json(sorted(viewers)),
                           _json(_item_rows(items)), len(sessions))


def _json(rows: Sequence[Sequence[Any]]) -> str:
    """Timestamps as RFC 3339 with offset, Decimals as their exact text."""
    return orjson.dumps(rows, default=_exact_text).decode()


def _exact_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _session_rows(sessions: dict[SessionKey, SessionAggregate]) -> list[tuple[Any, ...]]:
    rows = []
    for key in sorted(sessions):
        s = sessions[key]
        rows.append((
            s.tenant_id, s.session_id, s.user_id, s.anonymous_id, s.first[0], s.first[1],
            s.last[0], s.last[1], s.device_type, s.browser, s.os, s.referrer, s.exit_page,
            s.page_views, s.perfumes_viewed, s.interactions, s.event_count, s.added_to_wishlist,
            s.added_to_collection, s.completed_rating, s.completed_review,
        ))
    return rows


_ITEM_DELTAS = attrgetter(*sql.ITEM_DELTA_COLUMNS)


def _item_rows(items: dict[ItemKey, ItemAggregate]) -> list[tuple[Any, ...]]:
    return [(*key, items[key].first_seen_at, items[key].last_viewed_at, *_ITEM_DELTAS(items[key]))
            for key in sorted(items)]
