"""The registry file is append-only consistent and every schema change is backward compatible."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
from collections import defaultdict
from pathlib import Path

import fastavro
import pytest
from fastavro.utils import generate_many

from consumers.validate.event_data import PII_POLICIES, rules_of
from schemas.catalog import CATALOG, SUBJECTS
from schemas.pii import is_sensitive_key
from schemas.registry import AVRO_DIR, REGISTRY_FILE, SchemaFileRegistry, default_registry

REGISTRY = default_registry()


def _versions_by_subject() -> dict[str, list[int]]:
    versions: dict[str, list[int]] = defaultdict(list)
    for entry in REGISTRY.entries:
        versions[entry.subject].append(entry.schema_id)
    return versions


def test_ids_are_unique_and_increase_in_file_order() -> None:
    ids = [e.schema_id for e in REGISTRY.entries]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) and ids[0] >= 1


def test_versions_of_a_subject_start_at_1_and_increase_by_one_with_the_id() -> None:
    for subject, ids in _versions_by_subject().items():
        versions = [REGISTRY.by_id[i].version for i in ids]
        assert versions == list(range(1, len(versions) + 1)), subject


def test_every_registered_file_exists_and_every_avsc_file_is_registered() -> None:
    named = set()
    for entry in REGISTRY.entries:
        for name in (entry.envelope_file, entry.event_data_file):
            assert (AVRO_DIR / name).is_file(), name
            named.add(name)
    assert named == {p.name for p in AVRO_DIR.glob("*.avsc")}


def test_catalog_subjects_and_registry_subjects_match() -> None:
    assert set(SUBJECTS) == set(REGISTRY.latest)


def test_every_composed_schema_parses() -> None:
    for entry in REGISTRY.entries:
        fastavro.parse_schema(REGISTRY.schema(entry.schema_id))


def test_at_least_one_subject_has_several_versions() -> None:
    assert any(len(ids) > 1 for ids in _versions_by_subject().values())


@pytest.mark.parametrize("subject", sorted(s for s, ids in _versions_by_subject().items() if len(ids) > 1))
def test_every_change_is_backward_compatible(subject: str) -> None:
    """Data written with each version is readable with the next one (fastavro schema resolution)."""
    ids = _versions_by_subject()[subject]
    for old_id, new_id in itertools.pairwise(ids):
        old = fastavro.parse_schema(REGISTRY.schema(old_id))
        new = fastavro.parse_schema(REGISTRY.schema(new_id))
        for datum in generate_many(old, 50):
            buffer = io.BytesIO()
            fastavro.schemaless_writer(buffer, old, datum)
            buffer.seek(0)
            read = fastavro.schemaless_reader(buffer, old, new)
            assert isinstance(read, dict)
            assert read["eventId"] == datum["eventId"]
            for name, value in datum["eventData"].items():
                assert read["eventData"][name] == value


def test_registry_is_append_only_against_the_last_commit() -> None:
    """Entries and schema files registered in git HEAD are unchanged (new ones may be appended)."""
    root = REGISTRY_FILE.parent.parent
    shown = subprocess.run(["git", "show", "HEAD:schemas/registry.json"], cwd=root,
                           capture_output=True, text=True, check=False)
    if shown.returncode != 0:
        committed: list[dict[str, object]] = []  # not committed yet: nothing to compare
    else:
        committed = json.loads(shown.stdout)["schemas"]
    current = json.loads(REGISTRY_FILE.read_text())["schemas"]
    assert current[:len(committed)] == committed
    for entry in committed:
        for key in ("envelope", "eventData"):
            old = subprocess.run(["git", "show", f"HEAD:schemas/avro/{entry[key]}"], cwd=root,
                                 capture_output=True, text=True, check=True).stdout
            assert json.loads(old) == json.loads((AVRO_DIR / str(entry[key])).read_text())


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text(json.dumps({"schemas": [
        {"id": 1, "subject": "a", "version": 1, "envelope": "e", "eventData": "d"},
        {"id": 1, "subject": "b", "version": 1, "envelope": "e", "eventData": "d"},
    ]}))
    from schemas.exceptions import SchemaError

    with pytest.raises(SchemaError):
        SchemaFileRegistry(tmp_path / "registry.json", tmp_path)


def test_event_data_fields_are_optional_typed_and_have_known_pii_policies() -> None:
    """Permissive (nullable with a null default) and typed in a way the validator understands."""
    for subject in REGISTRY.latest:
        record = REGISTRY.event_data_schema(subject)
        for field in record["fields"]:
            assert isinstance(field["type"], list) and field["type"][0] == "null", (subject, field)
            assert field.get("default", "missing") is None, (subject, field["name"])
            assert field.get("pii") in (None, *PII_POLICIES)
        rules_of(record)  # raises on types the validator cannot check


def test_no_schema_field_name_is_a_sensitive_key() -> None:
    """Otherwise the PII layer would replace typed values with placeholders."""
    for subject in REGISTRY.latest:
        for name, rule in rules_of(REGISTRY.event_data_schema(subject)).items():
            assert not is_sensitive_key(name), (subject, name)
            for nested in rule.nested:
                assert not is_sensitive_key(nested), (subject, name, nested)


def test_free_text_fields_are_scrub() -> None:
    free_text = {("review", "reviewText"), ("search", "query"), ("message", "content"),
                 ("error", "message"), ("error", "stack"), ("generation", "prompt"),
                 ("reading", "message"), ("feedback", "comment")}
    for subject, name in free_text:
        assert rules_of(REGISTRY.event_data_schema(subject))[name].pii == "scrub", (subject, name)


def test_every_catalog_type_has_a_category_and_a_registered_subject() -> None:
    for event_type, kind in CATALOG.items():
        assert kind.subject in REGISTRY.latest, event_type
        assert kind.category
