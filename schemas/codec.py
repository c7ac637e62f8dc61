"""The v1 topic codec: canonical validated event <-> Confluent wire format (0x00, id, Avro body).

Schema ids come from the append-only registry file ``schemas/registry.json`` or, when
``settings.schema_registry_url`` (``INTERLOG_SCHEMA_REGISTRY_URL``) is set, from a Confluent Schema
Registry (subjects ``interlog.events.v1-<subject>``). Parsed schemas are cached per id; encoding
and decoding use code compiled from the schema (``schemas.avro_writer``, ``schemas.avro_reader``);
fastavro resolves bodies written with an older version of a subject to its latest schema.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import struct
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import fastavro
from fastavro.read import SchemaResolutionError

from schemas.avro_reader import compile_reader
from schemas.avro_shapes import RecordShape
from schemas.avro_writer import compile_writer
from schemas.catalog import CATALOG
from schemas.exceptions import SchemaError
from schemas.registry import EVENT_DATA_FIELD, SchemaFileRegistry, default_registry

if TYPE_CHECKING:
    from interlog.settings import Settings

MAGIC_BYTE = 0
HEADER_BYTES = 5
CONFLUENT_SUBJECT_PREFIX = "interlog.events.v1-"

_DECODE_ERRORS = (EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError,
                  struct.error, SchemaResolutionError, SchemaError)
_ENCODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


class SchemaIdSource(Protocol):
    """Where schema ids come from: the registry file or a Confluent Schema Registry."""

    def id_for(self, subject: str, version: int) -> int:
        """The id of ``subject`` at ``version`` (registering it if the source needs that)."""
        ...

    def schema_for(self, schema_id: int) -> tuple[dict[str, Any], str | None]:
        """The writer schema of ``schema_id`` and its local subject when known."""
        ...


class FileSchemaIds:
    """Ids straight from ``schemas/registry.json``."""

    def __init__(self, registry: SchemaFileRegistry) -> None:
        self.registry = registry

    def id_for(self, subject: str, version: int) -> int:
        entry = self.registry.by_subject_version.get((subject, version))
        if entry is None:
            raise SchemaError(f"no schema {subject} v{version} in the registry file")
        return entry.schema_id

    def schema_for(self, schema_id: int) -> tuple[dict[str, Any], str | None]:
        entry = self.registry.by_id.get(schema_id)
        if entry is None:
            raise SchemaError(f"unknown schema id {schema_id}")
        return self.registry.schema(schema_id), entry.subject


def _schema_registry() -> Any:
    """``confluent_kafka.schema_registry``, imported on first use (authlib, which it imports,
    emits a DeprecationWarning about its own httpx integration: not ours to act on)."""
    with warnings.catch_warnings():
        # authlib.deprecate installs an "always" filter when imported: import it first, so the
        # "ignore" below comes before it.
        with contextlib.suppress(ImportError):
            importlib.import_module("authlib.deprecate")
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module("confluent_kafka.schema_registry")


class ConfluentSchemaIds:
    """Ids from a Confluent-compatible Schema Registry; the local files are the source of truth.

    The client is created on first use (constructing this object touches no network).
    """

    def __init__(self, url: str, registry: SchemaFileRegistry) -> None:
        self.url = url
        self.registry = registry
        self._client: Any = None

    def _registry_client(self) -> Any:
        if self._client is None:
            self._client = _schema_registry().SchemaRegistryClient({"url": self.url})
        return self._client

    def id_for(self, subject: str, version: int) -> int:
        local = self.registry.by_subject_version.get((subject, version))
        if local is None:
            raise SchemaError(f"no schema {subject} v{version} in the registry file")
        text = json.dumps(self.registry.schema(local.schema_id))
        try:
            return int(self._registry_client().register_schema(
                CONFLUENT_SUBJECT_PREFIX + subject, _schema_registry().Schema(text, "AVRO")))
        except Exception as exc:  # the client raises many types; all mean "cannot register"
            raise SchemaError(f"schema registry {self.url}: cannot register {subject}: {exc}") from exc

    def schema_for(self, schema_id: int) -> tuple[dict[str, Any], str | None]:
        try:
            text = self._registry_client().get_schema(schema_id).schema_str
        except Exception as exc:  # see id_for
            raise SchemaError(f"schema registry {self.url}: unknown schema id {schema_id}: {exc}") from exc
        return json.loads(text), None


@dataclass(frozen=True)
class _Target:
    """Everything encode/decode needs for one schema id, parsed once."""

    schema_id: int
    header: bytes
    writer: Any
    reader: Any
    encode_body: Callable[[dict[str, Any]], bytes]
    decode_body: Callable[[bytes, int], tuple[dict[str, Any], int]] | None
    writer_shape: RecordShape
    reader_shape: RecordShape


def _only_nullable_event_data_changes(writer: dict[str, Any], reader: dict[str, Any]) -> bool:
    """True when the versions differ only in eventData fields that are nullable with null default
    (the evolution rule the registry tests enforce); anything else goes through fastavro."""
    def envelope(schema: dict[str, Any]) -> list[Any]:
        return [f for f in schema["fields"] if f["name"] != EVENT_DATA_FIELD]

    if envelope(writer) != envelope(reader):
        return False

    def nullable(record: dict[str, Any]) -> bool:
        for field in record["fields"]:
            kind = field["type"]
            if not (isinstance(kind, list) and kind[0] == "null" and field.get("default", 0) is None):
                return False
            nested = next((b for b in kind if isinstance(b, dict) and b.get("type") == "record"), None)
            if nested is not None and not nullable(nested):
                return False
        return True

    return nullable(_event_data_record(writer)) and nullable(_event_data_record(reader))


def _event_data_record(schema: dict[str, Any]) -> dict[str, Any]:
    for field in schema["fields"]:
        if field["name"] == EVENT_DATA_FIELD:
            record: dict[str, Any] = field["type"]
            return record
    raise SchemaError(f"schema {schema.get('name')} has no {EVENT_DATA_FIELD} field")


class V1Codec:
    """Encode canonical validated events to the v1 wire format and back. Thread-safe."""

    def __init__(self, ids: SchemaIdSource, registry: SchemaFileRegistry) -> None:
        self._ids = ids
        self._registry = registry
        self._by_type_version: dict[tuple[str, int], _Target] = {}
        self._by_id: dict[int, _Target] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> V1Codec:
        """The codec for ``settings``: registry file, or ``settings.schema_registry_url`` if set."""
        registry = default_registry()
        if settings.schema_registry_url:
            return cls(ConfluentSchemaIds(settings.schema_registry_url, registry), registry)
        return cls(FileSchemaIds(registry), registry)

    @classmethod
    def from_file(cls, registry: SchemaFileRegistry | None = None) -> V1Codec:
        """The codec over the registry file alone (no settings needed)."""
        registry = registry or default_registry()
        return cls(FileSchemaIds(registry), registry)

    def latest_version(self, event_type: str) -> int:
        """The newest schema version of ``event_type``'s subject (what the validate stage writes)."""
        kind = CATALOG.get(event_type)
        if kind is None:
            raise SchemaError(f"unknown event type {event_type!r}")
        return self._registry.latest[kind.subject].version

    def _target(self, schema_id: int, writer_schema: dict[str, Any], subject: str | None) -> _Target:
        """Parsed writer schema, plus the subject's latest schema as reader when it is newer."""
        writer = fastavro.parse_schema(writer_schema)
        writer_shape = RecordShape(_event_data_record(writer_schema))
        reader, reader_shape, reader_schema = None, writer_shape, writer_schema
        latest = self._registry.latest.get(subject) if subject else None
        if latest is not None and self._registry.schema(latest.schema_id) != writer_schema:
            reader_schema = self._registry.schema(latest.schema_id)
            reader = fastavro.parse_schema(reader_schema)
            reader_shape = RecordShape(_event_data_record(reader_schema))
        header = bytes([MAGIC_BYTE]) + schema_id.to_bytes(4, "big")
        decode_body = None
        if reader is None or _only_nullable_event_data_changes(writer_schema, reader_schema):
            # Reading with the writer's schema and then shaping eventData with the reader's shape
            # (absent -> left out, unknown -> dropped) is what resolution would give here.
            decode_body, reader = compile_reader(writer_schema), None
        encode_body = compile_writer(writer_schema, strict_root=True)
        return _Target(schema_id, header, writer, reader, encode_body, decode_body, writer_shape,
                       reader_shape)

    def warm(self) -> None:
        """Prepare the encoder of every catalog type's latest version now (compiling them costs
        a few ms each) when the ids come from the registry file. With a Schema Registry nothing is
        done here (no network at start-up): the first ``encode`` of each type registers it."""
        if not isinstance(self._ids, FileSchemaIds):
            return
        for event_type in CATALOG:
            with contextlib.suppress(SchemaError):
                self._encode_target(event_type, self.latest_version(event_type))

    def _encode_target(self, event_type: str, version: int) -> _Target:
        kind = CATALOG.get(event_type)
        if kind is None:
            raise SchemaError(f"unknown event type {event_type!r}")
        entry = self._registry.by_subject_version.get((kind.subject, version))
        if entry is None:
            raise SchemaError(f"no schema {kind.subject} v{version} for {event_type}")
        with self._lock:
            target = self._by_type_version.get((event_type, version))
            if target is None:
                schema_id = self._ids.id_for(kind.subject, version)
                target = self._by_id.get(schema_id)
                if target is None:
                    target = self._target(schema_id, self._registry.schema(entry.schema_id), kind.subject)
                    self._by_id[schema_id] = target
                self._by_type_version[(event_type, version)] = target
            return target

    def _decode_target(self, schema_id: int) -> _Target:
        with self._lock:
            target = self._by_id.get(schema_id)
            if target is None:
                writer_schema, subject = self._ids.schema_for(schema_id)
                target = self._target(schema_id, writer_schema, subject)
                self._by_id[schema_id] = target
            return target

    def encode(self, event: dict[str, Any]) -> bytes:
        """Wire bytes of a canonical validated event (every canonical key present, None where
        absent); raises SchemaError if it does not fit."""
        try:
            key = (event["eventType"], event["schemaVersion"])
            event_data = event[EVENT_DATA_FIELD]
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"not a canonical event: {exc}") from exc
        target = self._by_type_version.get(key) or self._encode_target(*key)
        # eventData is swapped for its Avro shape in place and put back (cheaper than a copy).
        try:
            event[EVENT_DATA_FIELD] = target.writer_shape.to_avro(event_data)
            return target.header + target.encode_body(event)
        except _ENCODE_ERRORS as exc:
            raise SchemaError(f"event {event.get('eventId')} does not fit its schema: {exc}") from exc
        finally:
            event[EVENT_DATA_FIELD] = event_data

    def decode(self, data: bytes) -> dict[str, Any]:
        """The canonical validated event of wire bytes; raises SchemaError on a bad payload."""
        if len(data) < HEADER_BYTES or data[0] != MAGIC_BYTE:
            raise SchemaError("not Confluent wire format (magic byte 0x00 + 4-byte schema id)")
        schema_id = int.from_bytes(data[1:HEADER_BYTES], "big")
        target = self._by_id.get(schema_id) or self._decode_target(schema_id)
        try:
            event: Any
            if target.decode_body is not None:
                event, end = target.decode_body(data, HEADER_BYTES)
            else:  # an older version: fastavro resolves it to the subject's latest schema
                body = io.BytesIO(data)
                body.seek(HEADER_BYTES)
                event = fastavro.schemaless_reader(body, target.writer, target.reader)
                end = body.tell()
            if not isinstance(event, dict):
                raise SchemaError("the Avro body is not a record")
            if end != len(data):
                raise SchemaError(f"{len(data) - end} trailing bytes after the Avro body")
            event[EVENT_DATA_FIELD] = target.reader_shape.from_avro(event[EVENT_DATA_FIELD])
        except _DECODE_ERRORS as exc:
            raise SchemaError(f"bad v1 payload (schema id {schema_id}): {exc}") from exc
        return event
