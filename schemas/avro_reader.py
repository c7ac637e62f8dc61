"""Avro binary decoders compiled to Python source from a record schema (the twin of avro_writer).

Used by ``V1Codec.decode`` when the writer schema is the reader schema (the common case); schema
resolution between versions stays with fastavro. Supports the same types as ``avro_writer``;
results equal fastavro's (``timestamp-micros`` -> aware UTC datetimes). Truncated or malformed
input raises IndexError/ValueError/UnicodeDecodeError/struct.error, which the codec wraps.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from typing import Any

from schemas.avro_writer import SourceCompiler

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_unpack_double = struct.Struct("<d").unpack_from
_unpack_float = struct.Struct("<f").unpack_from
_PRIMITIVES = ("null", "boolean", "int", "long", "float", "double", "string", "bytes")


def read_long(buf: bytes, pos: int) -> tuple[int, int]:
    """A zig-zag varint at ``pos``: (value, next position)."""
    b = buf[pos]
    pos += 1
    n = b & 0x7F
    shift = 7
    while b & 0x80:
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if shift > 70:
            raise ValueError("varint longer than 10 bytes")
    return (n >> 1) ^ -(n & 1), pos


def from_micros(n: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=n)


def read_boolean(buf: bytes, pos: int) -> bool:
    b = buf[pos]
    if b > 1:
        raise ValueError(f"invalid boolean byte {b}")
    return b == 1


class _Compiler(SourceCompiler):
    def record(self, schema: dict[str, Any], namespace: str) -> str:
        full, function, new = self.claim_record(schema, namespace)
        if not new:
            return function
        body = ["    d = {}"]
        for field in schema["fields"]:
            target = self.fresh("v")
            body.extend(self.value(field["type"], target, "    ", full.rpartition(".")[0]))
            body.append(f"    d[{field['name']!r}] = {target}")
        self.lines.append(f"def {function}(buf, p):")
        self.lines.extend([*body, "    return d, p"])
        return function

    def value(self, schema: Any, target: str, indent: str, namespace: str) -> list[str]:
        """Statements that read one value of ``schema`` at ``p`` into ``target`` and advance ``p``."""
        if isinstance(schema, list):
            return self.union(schema, target, indent, namespace)
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return self.primitive(schema, None, target, indent)
            return [f"{indent}{target}, p = {self.named_function(schema, namespace)}(buf, p)"]
        kind = schema["type"]
        if kind == "record":
            return [f"{indent}{target}, p = {self.record(schema, namespace)}(buf, p)"]
        if kind in ("array", "map"):
            count, item, key, size = (self.fresh("n"), self.fresh("i"), self.fresh("k"), self.fresh("s"))
            lines = [f"{indent}{target} = {'[]' if kind == 'array' else '{}'}",
                     f"{indent}{count}, p = read_long(buf, p)",
                     f"{indent}while {count}:",
                     f"{indent}    if {count} < 0:",
                     f"{indent}        {count} = -{count}",
                     f"{indent}        {size}, p = read_long(buf, p)",
                     f"{indent}    for _ in range({count}):"]
            inner = indent + "        "
            if kind == "array":
                lines += self.value(schema["items"], item, inner, namespace)
                lines.append(f"{inner}{target}.append({item})")
            else:
                lines += self.primitive("string", None, key, inner)
                lines += self.value(schema["values"], item, inner, namespace)
                lines.append(f"{inner}{target}[{key}] = {item}")
            lines.append(f"{indent}    {count}, p = read_long(buf, p)")
            return lines
        if kind in _PRIMITIVES:
            return self.primitive(kind, schema.get("logicalType"), target, indent)
        raise ValueError(f"unsupported Avro type {kind}")

    def primitive(self, kind: str, logical: str | None, target: str, indent: str) -> list[str]:
        if kind == "null":
            return [f"{indent}{target} = None"]
        if kind in ("int", "long"):
            lines = [f"{indent}{target} = buf[p]",
                     f"{indent}if {target} < 128:",
                     f"{indent}    {target} = ({target} >> 1) ^ -({target} & 1)",
                     f"{indent}    p += 1",
                     f"{indent}else:",
                     f"{indent}    {target}, p = read_long(buf, p)"]
            if logical == "timestamp-micros":
                lines.append(f"{indent}{target} = from_micros({target})")
            return lines
        if kind in ("string", "bytes"):
            size = self.fresh("n")
            lines = self.primitive("long", None, size, indent)
            end = f"p + {size}"
            lines += [f"{indent}if {size} < 0 or {end} > len(buf): raise ValueError('bad length')",
                      f"{indent}{target} = buf[p:{end}]" + (".decode()" if kind == "string" else ""),
                      f"{indent}p += {size}"]
            return lines
        if kind == "boolean":
            return [f"{indent}{target} = read_boolean(buf, p)", f"{indent}p += 1"]
        if kind == "double":
            return [f"{indent}{target} = unpack_double(buf, p)[0]", f"{indent}p += 8"]
        return [f"{indent}{target} = unpack_float(buf, p)[0]", f"{indent}p += 4"]

    def union(self, branches: list[Any], target: str, indent: str, namespace: str) -> list[str]:
        index = self.fresh("u")
        lines = self.primitive("long", None, index, indent)
        keyword = "if"
        for position, branch in enumerate(branches):
            lines.append(f"{indent}{keyword} {index} == {position}:")
            lines.extend(self.value(branch, target, indent + "    ", namespace))
            keyword = "elif"
        lines.append(f"{indent}else:")
        lines.append(f"{indent}    raise ValueError(f'union index {{{index}}} out of range')")
        return lines


def compile_reader(schema: dict[str, Any]) -> Callable[[bytes, int], tuple[dict[str, Any], int]]:
    """A function ``(buffer, position) -> (record dict, next position)`` for ``schema``."""
    compiler = _Compiler()
    root = compiler.record(schema, schema.get("namespace", ""))
    namespace: dict[str, Any] = {
        "read_long": read_long, "from_micros": from_micros, "read_boolean": read_boolean,
        "unpack_double": _unpack_double, "unpack_float": _unpack_float,
    }
    source = "\n".join(compiler.lines)
    exec(compile(source, f"<avro reader {schema.get('name')}>", "exec"), namespace)  # noqa: S102
    reader: Callable[[bytes, int], tuple[dict[str, Any], int]] = namespace[root]
    return reader
