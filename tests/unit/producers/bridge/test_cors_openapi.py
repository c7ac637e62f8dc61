"""CORS headers and the OpenAPI document (pure)."""

from __future__ import annotations

from interlog.settings import BridgeLimits
from producers.bridge.cors import cors_headers, preflight_headers
from producers.bridge.openapi import openapi_document


def test_allowed_origin_is_echoed_and_retry_after_exposed() -> None:
    headers = dict(cors_headers(b"https://a.example", frozenset({"https://a.example"})))
    assert headers[b"access-control-allow-origin"] == b"https://a.example"
    assert b"Retry-After" in headers[b"access-control-expose-headers"]
    assert dict(cors_headers(b"https://x.example", frozenset({"*"})))[b"access-control-allow-origin"] == (
        b"https://x.example"
    )


def test_other_origins_get_no_allow_header() -> None:
    assert b"access-control-allow-origin" not in dict(cors_headers(b"https://b.example", frozenset({"https://a"})))
    assert cors_headers(None, frozenset({"*"})) == []
    assert b"access-control-allow-methods" not in dict(preflight_headers(b"https://b", frozenset()))


def test_preflight_allows_the_sdk_headers() -> None:
    headers = dict(preflight_headers(b"https://a", frozenset({"https://a"})))
    assert b"POST" in headers[b"access-control-allow-methods"]
    assert b"Authorization" in headers[b"access-control-allow-headers"]
    assert b"Content-Encoding" in headers[b"access-control-allow-headers"]


def test_openapi_document_lists_every_route_and_the_limits() -> None:
    doc = openapi_document(BridgeLimits(max_batch_events=7))
    assert set(doc["paths"]) == {"/v1/batch", "/api/log-interaction", "/v1/event", "/healthz", "/readyz",
                                 "/metrics", "/openapi.json"}
    batch = doc["paths"]["/v1/batch"]["post"]
    assert {"200", "400", "401", "413", "415", "429", "503"} <= batch["responses"].keys()
    assert batch["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1]["maxItems"] == 7
