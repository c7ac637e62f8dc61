"""Hypothesis properties of the PII policy.

1. A PII value of any kind, planted in free text or a URL (path, query, fragment, userinfo) at any
   depth of a random JSON-like tree, never survives ``scrub_tree``.
2. ``scrub_tree`` is idempotent (and a second pass counts nothing).
3. Text made of ordinary shop vocabulary (prices, dates, UUIDs, versions...) is left unchanged.
4. Values under sensitive keys, in any case/separator variant, are redacted at any depth.
5. The pre-filter never hides a detection: when it says "clean", the detectors find nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.pii import PLACEHOLDERS, scrub_text, scrub_tree
from schemas.pii.detectors import run_detectors
from schemas.pii.prefilter import needs_scan
from tests.unit.schemas.pii.strategies import (
    follow,
    in_free_text,
    in_url,
    json_trees,
    noise,
    non_pii_text,
    pii_values,
    planted,
    sensitive_keys,
    tricky_text,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _serialized(tree: Any) -> str:
    return json.dumps(tree, ensure_ascii=False)


@st.composite
def planted_pii(draw: st.DrawFn) -> tuple[str, Any]:
    value = draw(pii_values)
    carrier = draw(st.sampled_from(["alone", "text", "url"]))
    if carrier == "alone":
        leaf = value
    elif carrier == "text":
        leaf = draw(in_free_text(value))
    else:
        leaf = draw(in_url(value))
    tree, _ = draw(planted(leaf))
    return value, tree


@PROPERTY_SETTINGS
@given(planted_pii())
def test_planted_pii_never_survives(case: tuple[str, Any]) -> None:
    value, tree = case
    counts: Counter[str] = Counter()
    out = _serialized(scrub_tree(tree, counts))
    for form in {value, quote(value, safe=""), quote(value, safe="@+:"), quote_plus(value)}:
        assert form not in out, (value, out)
    assert sum(counts.values()) >= 1


@PROPERTY_SETTINGS
@given(st.one_of(json_trees, planted_pii().map(lambda case: case[1])))
def test_scrub_tree_is_idempotent(tree: Any) -> None:
    once = scrub_tree(tree, Counter())
    counts: Counter[str] = Counter()
    assert scrub_tree(once, counts) == once
    assert not counts


@PROPERTY_SETTINGS
@given(non_pii_text)
def test_ordinary_shop_text_is_left_unchanged(text: str) -> None:
    counts: Counter[str] = Counter()
    assert scrub_text(text, counts) == text
    assert scrub_tree({"eventData": {"label": text, "list": [text]}}, counts) == {
        "eventData": {"label": text, "list": [text]}
    }
    assert not counts


_REDACTIONS = {*PLACEHOLDERS.values()}


@PROPERTY_SETTINGS
@given(st.data())
def test_sensitive_keys_are_redacted_at_any_depth(data: st.DataObject) -> None:
    key = data.draw(sensitive_keys())
    value = data.draw(
        st.one_of(
            st.text(min_size=1, max_size=20).filter(lambda s: s not in _REDACTIONS),
            st.integers(),
            st.floats(),
        )
    )
    tree, path = data.draw(planted({key: value}))
    counts: Counter[str] = Counter()
    out = scrub_tree(tree, counts)
    redacted = follow(out, path)
    [new_value] = list(redacted.values())
    assert new_value in _REDACTIONS, (key, value, new_value)
    assert counts["sensitive_key"] >= 1


@PROPERTY_SETTINGS
@given(st.one_of(noise, tricky_text, non_pii_text, pii_values, pii_values.flatmap(in_free_text)))
def test_prefilter_never_hides_a_detection(text: str) -> None:
    if not needs_scan(text):
        counts: Counter[str] = Counter()
        assert run_detectors(text, counts) == text
        assert not counts
