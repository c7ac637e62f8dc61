"""The OpenAPI 3.0 document of the ingestion API, served at ``GET /openapi.json``."""

from __future__ import annotations

from typing import Any

import orjson

from interlog.settings import BridgeLimits

_ID = {"type": "string", "minLength": 1, "maxLength": 256}


def _event_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["eventId", "eventType", "timestamp", "sessionId"],
        "properties": {
            "eventId": {"type": "string", "format": "uuid"},
            "eventType": {"type": "string", "minLength": 1, "maxLength": 64},
            "timestamp": {"type": "string", "format": "date-time"},
            "sessionId": _ID,
            "userId": _ID,
            "anonymousId": _ID,
            "path": {"type": "string"},
            "component": {"type": "string"},
            "action": {"type": "string"},
            "perfumeId": {"type": "string"},
            "houseId": {"type": "string"},
            "noteId": {"type": "string"},
            "duration": {"type": "number", "description": "milliseconds"},
            "value": {"type": "number"},
            "eventData": {"type": "object", "description": "per-type payload (checked downstream)"},
            "context": {"type": "object"},
            "consent": {
                "type": "object",
                "properties": {"analytics": {"type": "boolean"}, "personalization": {"type": "boolean"}},
            },
        },
        "description": "At least one of userId and anonymousId is required.",
    }


def _errors(*statuses: str) -> dict[str, Any]:
    texts = {
        "400": "Malformed JSON, not a batch, or every event rejected.",
        "401": "Missing, unknown or non-write key.",
        "413": "Body, batch or event too large.",
        "415": "Unsupported Content-Type or Content-Encoding.",
        "429": "Rate limited for this key; see Retry-After.",
        "503": "Kafka unavailable or the producer queue full; see Retry-After. Nothing was accepted.",
    }
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {s: {"description": texts[s], **ref} for s in statuses}


def openapi_document(limits: BridgeLimits) -> dict[str, Any]:
    """The document, with the configured limits in the schemas."""
    batch = {
        "oneOf": [
            {
                "type": "object",
                "required": ["batch"],
                "properties": {
                    "batch": {"type": "array", "minItems": 1, "maxItems": limits.max_batch_events,
                              "items": {"$ref": "#/components/schemas/Event"}},
                    "sentAt": {"type": "string", "format": "date-time"},
                    "writeKey": {"type": "string"},
                },
            },
            {"type": "array", "minItems": 1, "maxItems": limits.max_batch_events,
             "items": {"$ref": "#/components/schemas/Event"}},
        ]
    }
    ingest_responses = {
        "200": {"description": "Accepted events are acknowledged by Kafka (acks=all).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}},
        **_errors("400", "401", "413", "415", "429", "503"),
    }
    security: list[dict[str, list[str]]] = [{"bearer": []}, {"basic": []}, {"queryKey": []}, {}]

    def ingest(summary: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"post": {
            "summary": summary, "security": security,
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": schema}, "text/plain": {"schema": {"type": "string"}},
            }},
            "responses": ingest_responses,
        }}

    def probe(summary: str, statuses: tuple[str, ...], media: str = "application/json") -> dict[str, Any]:
        return {"get": {"summary": summary, "responses": {
            s: {"description": "ready" if s == "200" else "not ready", "content": {media: {}}}
            for s in statuses
        }}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "interlog ingestion bridge", "version": "1",
                 "description": f"Limits: {limits.max_event_bytes} bytes per event, "
                                f"{limits.max_body_bytes} bytes per body after decompression, "
                                f"{limits.max_batch_events} events per batch."},
        "paths": {
            "/v1/batch": ingest("Ingest a batch of events.", batch),
            "/api/log-interaction": ingest("Alias of /v1/batch (seed 004 path).", batch),
            "/v1/event": ingest("Ingest one event.", {"$ref": "#/components/schemas/Event"}),
            "/healthz": probe("Process alive.", ("200",)),
            "/readyz": probe("Kafka reachable and producer queue below its bound.", ("200", "503")),
            "/metrics": probe("Prometheus metrics.", ("200",), "text/plain"),
            "/openapi.json": probe("This document.", ("200",)),
        },
        "components": {
            "schemas": {
                "Event": _event_schema(),
                "Accepted": {"type": "object", "required": ["accepted", "rejected"], "properties": {
                    "accepted": {"type": "integer"},
                    "rejected": {"type": "array", "items": {"$ref": "#/components/schemas/Rejected"}},
                }},
                "Rejected": {"type": "object", "required": ["index", "eventId", "error"], "properties": {
                    "index": {"type": "integer"}, "eventId": {"type": "string", "nullable": True},
                    "error": {"type": "string"},
                }},
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"},
                    "accepted": {"type": "integer"},
                    "rejected": {"type": "array", "items": {"$ref": "#/components/schemas/Rejected"}},
                }},
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic", "description": "The key as user name."},
                "queryKey": {"type": "apiKey", "in": "query", "name": "writeKey",
                             "description": "For navigator.sendBeacon, which cannot set headers."},
            },
        },
    }


def openapi_json(limits: BridgeLimits) -> bytes:
    return orjson.dumps(openapi_document(limits))
