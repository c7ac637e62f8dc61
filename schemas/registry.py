"""The append-only schema registry file ``schemas/registry.json`` and the Avro files it names.

Each entry is ``{"id", "subject", "version", "envelope", "eventData"}``: the schema with that id is
the envelope record (``schemas/avro/<envelope>``) whose ``eventData`` field has the per-type record
(``schemas/avro/<eventData>``) as its type. Ids are unique and never reused; versions of a subject
increase with the id. Reading the files is the only I/O here.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from schemas.exceptions import SchemaError

SCHEMAS_DIR = Path(__file__).resolve().parent
AVRO_DIR = SCHEMAS_DIR / "avro"
REGISTRY_FILE = SCHEMAS_DIR / "registry.json"
EVENT_DATA_FIELD = "eventData"


@dataclass(frozen=True)
class RegistryEntry:
    """One registered schema version."""

    schema_id: int
    subject: str
    version: int
    envelope_file: str
    event_data_file: str


def read_avsc(name: str, avro_dir: Path = AVRO_DIR) -> dict[str, Any]:
    """The JSON of ``avro_dir/name``; raises SchemaError when missing or not a JSON object."""
    path = avro_dir / name
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"cannot read Avro schema {path}: {exc}") from exc
    if not isinstance(value, dict):
        raise SchemaError(f"Avro schema {path} is not a JSON object")
    return value


def compose(envelope: dict[str, Any], event_data: dict[str, Any]) -> dict[str, Any]:
    """The envelope schema with ``event_data`` as the type of its ``eventData`` field."""
    schema = copy.deepcopy(envelope)
    for field in schema["fields"]:
        if field["name"] == EVENT_DATA_FIELD:
            field["type"] = copy.deepcopy(event_data)
            return schema
    raise SchemaError(f"envelope {schema.get('name')} has no {EVENT_DATA_FIELD} field")


class SchemaFileRegistry:
    """The registry file, loaded once: ids -> entries, subjects -> versions, composed schemas."""

    def __init__(self, registry_file: Path = REGISTRY_FILE, avro_dir: Path = AVRO_DIR) -> None:
        self.avro_dir = avro_dir
        try:
            raw = json.loads(registry_file.read_text(encoding="utf-8"))
            self.entries = [
                RegistryEntry(int(e["id"]), str(e["subject"]), int(e["version"]),
                              str(e["envelope"]), str(e["eventData"]))
                for e in raw["schemas"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SchemaError(f"cannot read schema registry {registry_file}: {exc}") from exc
        self.by_id: dict[int, RegistryEntry] = {}
        self.by_subject_version: dict[tuple[str, int], RegistryEntry] = {}
        self.latest: dict[str, RegistryEntry] = {}
        for entry in self.entries:
            if entry.schema_id in self.by_id:
                raise SchemaError(f"schema id {entry.schema_id} is registered twice")
            key = (entry.subject, entry.version)
            if key in self.by_subject_version:
                raise SchemaError(f"{entry.subject} v{entry.version} is registered twice")
            self.by_id[entry.schema_id] = entry
            self.by_subject_version[key] = entry
            current = self.latest.get(entry.subject)
            if current is None or entry.version > current.version:
                self.latest[entry.subject] = entry
        self._schemas: dict[int, dict[str, Any]] = {}

    def schema(self, schema_id: int) -> dict[str, Any]:
        """The composed (unparsed) Avro schema of ``schema_id``; raises SchemaError if unknown."""
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        entry = self.by_id.get(schema_id)
        if entry is None:
            raise SchemaError(f"unknown schema id {schema_id}")
        composed = compose(read_avsc(entry.envelope_file, self.avro_dir),
                           read_avsc(entry.event_data_file, self.avro_dir))
        self._schemas[schema_id] = composed
        return composed

    def event_data_schema(self, subject: str, version: int | None = None) -> dict[str, Any]:
        """The (unparsed) eventData record of ``subject`` at ``version`` (default: latest)."""
        entry = self.latest[subject] if version is None else self.by_subject_version[(subject, version)]
        return read_avsc(entry.event_data_file, self.avro_dir)


@cache
def default_registry() -> SchemaFileRegistry:
    """The checked-in registry, loaded once per process."""
    return SchemaFileRegistry()
