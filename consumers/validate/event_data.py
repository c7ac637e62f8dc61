"""Per-type ``eventData`` validation and PII policy, driven by the Avro schema files.

Each eventData record field becomes a :class:`FieldRule`: its Avro type (checked, with lossless
coercions such as ``3.0`` -> ``3`` for longs and numbers -> text for strings), the interlog
attributes ``interlog.required``, ``interlog.min``/``interlog.max`` and ``interlog.json`` (any JSON),
and its PII policy ``pii``:

- ``drop``: never kept; ``hash``: HMAC-SHA256(tenant secret, value);
- ``scrub``: free text, kept PII-scrubbed with analytics consent, dropped without it;
- ``truncate_ip``: IP prefix with consent, dropped without;
- none: every string inside is still PII-scrubbed (detectors, sensitive keys, URL policy).

Fields the schema does not know are kept PII-scrubbed with consent (they travel in the record's
``extra`` field) and dropped without it, like free text; inside nested records they are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from schemas.avro_shapes import EXTRA_FIELD, JSON_ATTRIBUTE

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
PII_POLICIES = ("drop", "hash", "scrub", "truncate_ip")


class Scrubbing(Protocol):
    """What the policy needs from the PII layer (see ``consumers.validate.scrubbing``)."""

    def tree(self, value: Any) -> Any: ...

    def text(self, value: str) -> str: ...

    def hash_id(self, value: str) -> str: ...

    def ip_prefix(self, value: str) -> str | None: ...


@dataclass
class FieldRule:
    """How one eventData field is checked and which PII policy applies to it."""

    name: str
    kind: str  # string|long|int|double|float|boolean|strings|record|json
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pii: str | None = None
    nested: dict[str, FieldRule] = field(default_factory=dict)


def _branch(avro_type: Any) -> Any:
    if isinstance(avro_type, list):
        branches = [b for b in avro_type if b != "null"]
        if len(branches) != 1:
            raise ValueError(f"unsupported union {avro_type}")
        return branches[0]
    return avro_type


class Rules(dict[str, FieldRule]):
    """Field rules by name, plus the names of the required ones (precomputed once per schema
    instead of walking every rule for every event)."""

    required: tuple[str, ...] = ()


def _required_names(rules: dict[str, FieldRule]) -> tuple[str, ...]:
    if isinstance(rules, Rules):
        return rules.required
    return tuple(name for name, rule in rules.items() if rule.required)


def rules_of(record: dict[str, Any]) -> dict[str, FieldRule]:
    """The field rules of an (unparsed) eventData record schema."""
    rules = Rules()
    for spec in record["fields"]:
        name = spec["name"]
        if name == EXTRA_FIELD:
            continue
        avro = _branch(spec["type"])
        nested: dict[str, FieldRule] = {}
        if spec.get(JSON_ATTRIBUTE):
            kind = "json"
        elif isinstance(avro, dict) and avro.get("type") == "record":
            kind, nested = "record", rules_of(avro)
        elif isinstance(avro, dict) and avro.get("type") == "array" and avro.get("items") == "string":
            kind = "strings"
        elif isinstance(avro, str) and avro in ("string", "long", "int", "double", "float", "boolean"):
            kind = avro
        else:
            raise ValueError(f"field {name}: unsupported eventData type {avro}")
        pii = spec.get("pii")
        if pii is not None and pii not in PII_POLICIES:
            raise ValueError(f"field {name}: unknown pii policy {pii!r}")
        rules[name] = FieldRule(name, kind, bool(spec.get("interlog.required")),
                                spec.get("interlog.min"), spec.get("interlog.max"), pii, nested)
    rules.required = tuple(name for name, rule in rules.items() if rule.required)
    return rules


def _check(rule: FieldRule, value: Any, parent: str, errors: list[dict[str, str]]) -> Any:
    """``value`` coerced to the rule's type, or None after appending an error.

    ``parent`` is the path of the enclosing object: the field's path (``parent.name``) is only
    built when there is an error to report.
    """
    kind = rule.kind
    if kind == "string" and type(value) is str:  # the most common case first
        return value
    out: Any
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        errors.append({"path": f"{parent}.{rule.name}", "message": "expected a string"})
        return None
    if kind in ("long", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append({"path": f"{parent}.{rule.name}", "message": "expected an integer"})
            return None
        if isinstance(value, float):
            if not value.is_integer():
                errors.append({"path": f"{parent}.{rule.name}", "message": "expected an integer"})
                return None
            value = int(value)
        if not _LONG_MIN <= value <= _LONG_MAX or (kind == "int" and not -(2**31) <= value < 2**31):
            errors.append({"path": f"{parent}.{rule.name}", "message": "integer out of range"})
            return None
        out = value
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors.append({"path": f"{parent}.{rule.name}", "message": "expected a number"})
            return None
        out = float(value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append({"path": f"{parent}.{rule.name}", "message": "expected true or false"})
            return None
        return value
    elif kind == "strings":
        if not isinstance(value, list):
            errors.append({"path": f"{parent}.{rule.name}", "message": "expected an array of strings"})
            return None
        items = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                items.append(item)
            elif isinstance(item, int | float) and not isinstance(item, bool):
                items.append(str(item))
            else:
                errors.append({"path": f"{parent}.{rule.name}[{index}]", "message": "expected a string"})
        return items
    elif kind == "record":
        if not isinstance(value, dict):
            errors.append({"path": f"{parent}.{rule.name}", "message": "expected an object"})
            return None
        return value  # checked field by field by the caller
    else:  # json: anything JSON
        return value
    if rule.minimum is not None and out < rule.minimum:
        errors.append({"path": f"{parent}.{rule.name}", "message": f"must be >= {rule.minimum}"})
    elif rule.maximum is not None and out > rule.maximum:
        errors.append({"path": f"{parent}.{rule.name}", "message": f"must be <= {rule.maximum}"})
    return out


def check_and_protect(rules: dict[str, FieldRule], data: dict[str, Any], consent: bool,
                      scrubbing: Scrubbing, path: str, errors: list[dict[str, str]],
                      nested: bool = False) -> dict[str, Any]:
    """The validated, PII-protected copy of ``data``; problems are appended to ``errors``.

    Unknown fields are kept (with consent) only at the top level, where the record has ``extra``;
    inside nested records (``viewport``, ``ratings``...) they are dropped.
    """
    out: dict[str, Any] = {}
    for name in _required_names(rules):
        if data.get(name) is None:
            errors.append({"path": f"{path}.{name}", "message": "required"})
    for name, value in data.items():
        if value is None:
            continue
        known = rules.get(name)
        if known is None:  # unknown field: free-form, kept only with consent
            if consent and not nested:
                out[name] = scrubbing.tree({name: value})[name]
            continue
        rule = known
        checked = _check(rule, value, path, errors)
        if checked is None:
            continue
        if rule.kind == "record":
            out[name] = check_and_protect(rule.nested, checked, consent, scrubbing, f"{path}.{name}",
                                          errors, nested=True)
            continue
        policy = rule.pii
        if policy is None:
            if type(checked) is str:
                checked = scrubbing.text(checked)
            elif isinstance(checked, str | list | dict):
                checked = scrubbing.tree(checked)
            out[name] = checked
        elif policy == "scrub":
            if consent:
                out[name] = scrubbing.text(checked) if type(checked) is str else scrubbing.tree(checked)
        elif policy == "hash":
            out[name] = scrubbing.hash_id(str(checked))
        elif policy == "truncate_ip":
            prefix = scrubbing.ip_prefix(str(checked)) if consent else None
            if prefix is not None:
                out[name] = prefix
        # "drop": nothing kept
    return out
