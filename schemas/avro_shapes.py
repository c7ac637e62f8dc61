"""Conversion between the canonical ``eventData`` dict and its Avro record form.

Avro records are closed and typed, clients vary: a per-type record keeps its known fields typed,
fields marked ``"interlog.json": true`` (free-form objects) travel as JSON text, and fields the
schema does not know travel together as JSON text in the record's ``extra`` field. Decoding
reverses this and leaves out absent (null) fields, so ``from_avro(to_avro(d)) == d`` for any
``d`` whose values fit the schema.
"""

from __future__ import annotations

from typing import Any

import orjson

from schemas.exceptions import SchemaError

EXTRA_FIELD = "extra"
JSON_ATTRIBUTE = "interlog.json"

_PLAIN, _JSON, _RECORD = 0, 1, 2


def _record_of(avro_type: Any) -> dict[str, Any] | None:
    """The record schema inside ``avro_type`` (a record or a ``["null", record]`` union)."""
    if isinstance(avro_type, dict) and avro_type.get("type") == "record":
        return avro_type
    if isinstance(avro_type, list):
        for branch in avro_type:
            if isinstance(branch, dict) and branch.get("type") == "record":
                return branch
    return None


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class RecordShape:
    """How one (unparsed) Avro record schema maps to plain JSON-like dicts."""

    __slots__ = ("_has_extra", "_kinds", "_plain", "_subshapes")

    def __init__(self, record: dict[str, Any]) -> None:
        self._kinds: dict[str, int] = {}
        self._subshapes: dict[str, RecordShape] = {}
        self._has_extra = False
        for field in record["fields"]:
            name = field["name"]
            if name == EXTRA_FIELD:
                self._has_extra = True
                continue
            nested = _record_of(field["type"])
            if field.get(JSON_ATTRIBUTE):
                self._kinds[name] = _JSON
            elif nested is not None:
                self._kinds[name] = _RECORD
                self._subshapes[name] = RecordShape(nested)
            else:
                self._kinds[name] = _PLAIN
        self._plain = frozenset(name for name, kind in self._kinds.items() if kind == _PLAIN)

    def to_avro(self, data: dict[str, Any]) -> dict[str, Any]:
        """The Avro datum of ``data`` (unknown keys go to ``extra``); ``data`` itself when every
        key is a plain field (the common case: nothing to convert, so no copy)."""
        if data.keys() <= self._plain:
            return data
        out: dict[str, Any] = {}
        extra: dict[str, Any] | None = None
        kinds = self._kinds
        for key, value in data.items():
            kind = kinds.get(key)
            if kind is None:
                if extra is None:
                    extra = {}
                extra[key] = value
            elif value is None or kind == _PLAIN:
                out[key] = value
            elif kind == _JSON:
                out[key] = _dumps(value)
            elif isinstance(value, dict):
                out[key] = self._subshapes[key].to_avro(value)
            else:
                raise SchemaError(f"eventData.{key} must be an object")
        if extra is not None:
            if not self._has_extra:
                raise SchemaError(f"unknown eventData fields {sorted(extra)}")
            out[EXTRA_FIELD] = _dumps(extra)
        return out

    def from_avro(self, record: dict[str, Any]) -> dict[str, Any]:
        """The plain dict of a decoded Avro ``record`` (nulls left out, JSON parsed, extra merged)."""
        out: dict[str, Any] = {}
        kinds = self._kinds
        extra: Any = None
        for key, value in record.items():
            if value is None:
                continue
            kind = kinds.get(key)
            if kind == _PLAIN:
                out[key] = value
            elif kind == _JSON:
                out[key] = orjson.loads(value)
            elif kind == _RECORD:
                out[key] = self._subshapes[key].from_avro(value)
            elif key == EXTRA_FIELD:
                extra = orjson.loads(value)
        if isinstance(extra, dict):
            for key, value in extra.items():
                out.setdefault(key, value)
        return out
