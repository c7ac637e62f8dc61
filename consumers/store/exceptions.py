"""Errors of the store stage."""

from __future__ import annotations

from interlog.exceptions import InterlogError


class StoreError(InterlogError):
    """The store stage cannot write a batch."""


class OffsetConflictError(StoreError):
    """A stored offset is not the one this consumer started from: another consumer owns the
    partition now (this one is a zombie), so the batch was rolled back."""
