"""Monthly partitions of ``interlog.user_interaction_event`` (``user_interaction_event_YYYY_MM``):
which exist, and creating the missing ones (the store stage when it meets a new month, the daily
job ahead of time). There is no DEFAULT partition: an event without its month's partition cannot
be stored, so every writer calls :meth:`PartitionCatalog.ensure` first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import psycopg

KNOWN_PARTITIONS = """
SELECT c.relname
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'interlog.user_interaction_event'::regclass
"""

ENSURE_PARTITION = "SELECT interlog.ensure_event_partition(%s::date)"


def month_start(ts: datetime) -> datetime:
    """First instant (UTC) of the month holding ``ts``; the key of its partition."""
    return ts.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


#: Months created ahead of the current one (the migration does the same at creation).
AHEAD_MONTHS = 2


class PartitionCatalog:
    """Months that have a partition of ``user_interaction_event``; creates missing ones."""

    def __init__(self) -> None:
        self._known: set[tuple[int, int]] | None = None

    def forget(self) -> None:
        """Drop the cache (after a failed write: a partition may have been dropped meanwhile)."""
        self._known = None

    def ensure(self, conn: psycopg.Connection[Any], timestamps: Iterable[datetime],
               now: datetime | None = None) -> list[str]:
        """Create the missing partitions of every month from the oldest to the newest of
        ``timestamps`` (all inside the retention window), each in its own short transaction.
        A batch that reaches the current month also gets the next two months created ahead."""
        if self._known is None:
            with conn.transaction():
                names = [row[0] for row in conn.execute(KNOWN_PARTITIONS)]
            self._known = {m for m in map(_month_of_name, names) if m is not None}
        stamps = list(timestamps)
        if not stamps:
            return []
        first, last = month_start(min(stamps)), month_start(max(stamps))
        current = month_start(now or datetime.now(UTC))
        end = (last.year, last.month)
        if last >= current:
            end = _add_months(end, AHEAD_MONTHS)
        wanted: set[tuple[int, int]] = set()
        year_month = (first.year, first.month)
        while year_month <= end:
            wanted.add(year_month)
            year_month = _add_months(year_month, 1)
        created: list[str] = []
        for year, month in sorted(wanted - self._known):
            with conn.transaction():
                row = conn.execute(ENSURE_PARTITION, (f"{year:04d}-{month:02d}-01",)).fetchone()
            if row is not None:
                created.append(str(row[0]))
            self._known.add((year, month))
        return created


def _add_months(year_month: tuple[int, int], months: int) -> tuple[int, int]:
    index = year_month[0] * 12 + year_month[1] - 1 + months
    return index // 12, index % 12 + 1


def _month_of_name(name: str) -> tuple[int, int] | None:
    parts = name.rsplit("_", 2)
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return int(parts[1]), int(parts[2])


