"""The dependency arrows of the layout (shared/DESIGN.md, "Layout"): top -> stages / API / jobs ->
aggregators, schemas -> the shared layer ``interlog``. Checked on the source, so a new import that
points up fails here instead of growing a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("interlog", "schemas", "aggregators", "producers", "consumers", "cli", "benchmarks")
# What each package may import of the others (besides itself).
ALLOWED: dict[str, set[str]] = {
    "interlog": set(),
    "schemas": {"interlog"},
    "aggregators": {"interlog", "schemas"},
    "producers": {"interlog", "schemas", "aggregators"},
    "consumers": {"interlog", "schemas", "aggregators"},
    "cli": set(PACKAGES),
    "benchmarks": set(PACKAGES),
}
PURE = {"aggregators": ("psycopg", "confluent_kafka", "httpx", "uvicorn", "starlette")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path) & set(PACKAGES):
            if name != package and name not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
        for client in PURE.get(package, ()):
            if client in _imports(path):
                wrong.append(f"{path.relative_to(ROOT)} imports the I/O client {client}")
    assert wrong == []
