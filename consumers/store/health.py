"""Logging a dependency's health once per state change, not once per retry."""

from __future__ import annotations

import logging


class StateLog:
    """``down(detail)`` logs a warning when the state turns bad, ``up()`` logs when it recovers."""

    def __init__(self, log: logging.Logger, name: str) -> None:
        self._log = log
        self._name = name
        self._down = False

    @property
    def is_down(self) -> bool:
        return self._down

    def down(self, detail: str) -> None:
        if not self._down:
            self._down = True
            self._log.warning("%s unavailable, pausing and retrying: %s", self._name, detail)

    def up(self) -> None:
        if self._down:
            self._down = False
            self._log.info("%s available again", self._name)
