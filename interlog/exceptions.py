"""The root of every error interlog raises on purpose."""

from __future__ import annotations


class InterlogError(Exception):
    """Root exception: the CLI prints its message alone, without a traceback."""


class ConfigurationError(InterlogError):
    """A setting is missing or malformed; the message names the variable."""


class StackError(InterlogError):
    """The local stack cannot start or stop; the message says what to install or change."""


class KeyStoreUnavailable(InterlogError):  # noqa: N818 - named for the condition
    """API keys cannot be resolved now (PostgreSQL unreachable and no last known answer)."""
