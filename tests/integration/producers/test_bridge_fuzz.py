"""Fuzzing the running bridge: schemathesis from its OpenAPI document and hypothesis-made bodies.

Properties: no 5xx at all (Kafka is up, so not even 503), the process stays alive, and every
answer is the contract's JSON shape.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlog.keys import create_key
from interlog.settings import BridgeLimits, Settings
from producers.bridge.openapi import openapi_document
from tests.integration.producers.running_bridge import RunningBridge, running_bridge
from tests.support.stacks import with_fresh_topics

pytestmark = pytest.mark.integration

CONTRACT_STATUSES = {200, 204, 400, 401, 404, 405, 413, 415, 429}
schema = schemathesis.openapi.from_dict(openapi_document(BridgeLimits()))


@pytest.fixture(scope="module")
def fuzz_bridge(stack_settings: Settings,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBridge]:
    with running_bridge(with_fresh_topics(stack_settings), tmp_path_factory.mktemp("fuzz"),
                        rate_per_s=1e6, rate_burst=1e6) as running:
        yield running


@pytest.fixture(scope="module")
def fuzz_key(stack_settings: Settings) -> str:
    return create_key(stack_settings.database_url, f"fuzz-{uuid.uuid4().hex[:8]}", "write")


def assert_contract_answer(response: httpx.Response | Any, bridge: RunningBridge) -> None:
    assert response.status_code in CONTRACT_STATUSES, (response.status_code, response.text[:500])
    if response.status_code not in (204,) and "json" in response.headers.get("content-type", ""):
        body = orjson.loads(response.content)
        assert isinstance(body, dict)
        if response.status_code >= 400:
            assert isinstance(body.get("error"), str)
    assert bridge.process.alive(), bridge.process.log()[-3000:]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_operations_never_fail_on_the_server(case: schemathesis.Case[Any], fuzz_bridge: RunningBridge,
                                                     fuzz_key: str) -> None:
    headers = dict(case.headers or {})
    if case.method == "POST" and "authorization" not in {h.lower() for h in headers}:
        headers["Authorization"] = f"Bearer {fuzz_key}"
    response = case.call(base_url=fuzz_bridge.url, headers=headers, timeout=30)
    assert_contract_answer(response, fuzz_bridge)


json_leaf = (st.none() | st.booleans() | st.integers(min_value=-(2**200), max_value=2**200)
             | st.floats() | st.text(max_size=40))
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
envelope_like = st.fixed_dictionaries(
    {"eventId": st.uuids().map(str) | json_leaf, "eventType": st.text(max_size=70) | json_leaf,
     "timestamp": st.datetimes().map(lambda d: d.isoformat()) | json_leaf,
     "sessionId": st.text(max_size=300) | json_leaf},
    optional={"anonymousId": json_values, "userId": json_values, "duration": json_values,
              "value": json_leaf, "eventData": json_values, "context": json_values, "consent": json_values},
)


def _encode(doc: Any) -> bytes:
    try:
        return orjson.dumps(doc)
    except (TypeError, orjson.JSONEncodeError):
        return repr(doc).encode()  # huge integers, NaN...: not JSON, still a body


bodies = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values.map(_encode),
    st.lists(envelope_like, max_size=20).map(lambda b: _encode({"batch": b})),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=1, max_value=2000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies, path=st.sampled_from(["/v1/batch", "/api/log-interaction", "/v1/event"]),
       content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=utf-8"]),
       zipped=st.booleans())
def test_hypothesis_bodies_never_fail_on_the_server(fuzz_bridge: RunningBridge, fuzz_key: str, body: bytes,
                                                    path: str, content_type: str, zipped: bool) -> None:
    headers = {"Authorization": f"Bearer {fuzz_key}", "Content-Type": content_type}
    if zipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    response = httpx.post(fuzz_bridge.url + path, content=body, headers=headers, timeout=30)
    assert_contract_answer(response, fuzz_bridge)
