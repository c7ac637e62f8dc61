"""The validate stage's pure core: one raw record in, a canonical event or a dead letter out.

``Validator.validate(raw)`` parses the JSON (strict UTF-8), checks the envelope and the per-type
``eventData`` schema, derives the category from the catalog, corrects the client clock
(``timestamp + (receivedAt - sentAt)``, keeping ``clientTimestamp``), rejects events more than 24 h
in the future or older than the retention window (both relative to the bridge's ``receivedAt``, so
a replay gives the same answer), parses the user agent, applies the PII policy and consent. No I/O:
tenants come in through :class:`TenantLookup`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from consumers.validate.event_data import FieldRule, check_and_protect, rules_of
from consumers.validate.fields import (
    context_text,
    dlq_record,
    effective_consent,
    id_text,
    iso,
    parse_time,
    text_or_none,
)
from consumers.validate.scrubbing import Scrubber, string_text_cache, string_url_cache
from consumers.validate.user_agents import classify_user_agent
from interlog.exceptions import InterlogError
from schemas.catalog import CATALOG
from schemas.pii import scrub_text, scrub_tree, truncate_ip
from schemas.registry import SchemaFileRegistry, default_registry

log = logging.getLogger(__name__)

UTC = dt.UTC
MAX_FUTURE = dt.timedelta(hours=24)
DEVICE_TYPES = frozenset({"desktop", "mobile", "tablet", "bot", "other"})
DLQ_TEXT_CHARS = 2048
"""Non-JSON input is kept in the DLQ as at most this many characters, PII-scrubbed."""

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_OPTIONAL_STRINGS = ("component", "action")
_RESOURCE_IDS = ("perfumeId", "houseId", "noteId")


@dataclass(frozen=True)
class TenantPolicy:
    """What the core needs to know about a tenant."""

    secret: bytes
    consent_default: bool

    def __repr__(self) -> str:
        return f"TenantPolicy(consent_default={self.consent_default})"


class TenantStoreError(InterlogError):
    """The tenant store cannot answer now (database down...): retry the batch later."""


class TenantLookup(Protocol):
    def policy(self, tenant_id: str) -> TenantPolicy | None:
        """The tenant's policy, or None when the tenant does not exist.

        Raises TenantStoreError (or another InterlogError) when it cannot tell.
        """
        ...


@dataclass(frozen=True)
class Valid:
    """A canonical validated event (interfaces.md) ready for ``V1Codec.encode``."""

    event: dict[str, Any]


@dataclass(frozen=True)
class DeadLetter:
    """A record the stage cannot accept; ``record`` is the DLQ JSON object."""

    reason: str
    event_type: str | None
    record: dict[str, Any]


class _Rejected(Exception):  # noqa: N818 - control flow inside the core only
    def __init__(self, reason: str, errors: list[dict[str, str]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors


class Validator:
    """Turns raw topic records into canonical events or dead letters. Not thread-safe."""

    def __init__(self, tenants: TenantLookup, retention_days: int, max_record_bytes: int = 64 * 1024,
                 registry: SchemaFileRegistry | None = None) -> None:
        self.tenants = tenants
        self.retention = dt.timedelta(days=retention_days)
        self.max_record_bytes = max_record_bytes
        registry = registry or default_registry()
        self._rules: dict[str, dict[str, FieldRule]] = {}
        self._versions: dict[str, int] = {}
        for event_type, kind in CATALOG.items():
            latest = registry.latest[kind.subject]
            self._rules[event_type] = rules_of(registry.event_data_schema(kind.subject))
            self._versions[event_type] = latest.version
        self._text_cache = string_text_cache()
        self._url_cache = string_url_cache()
        self.counts: Counter[str] = Counter()
        """Redactions by kind since the caller last cleared it (never replaced, only cleared)."""
        self._scrubber = Scrubber(self._text_cache, self._url_cache, self.counts)

    # -- entry point -------------------------------------------------------------------------
    def validate(self, raw: bytes | None) -> Valid | DeadLetter:
        """The outcome for one raw record value (never raises on bad input)."""
        if raw is None:
            return self._dead_text("invalid_json", [{"path": "", "message": "empty record"}], "")
        if len(raw) > self.max_record_bytes:
            message = f"record of {len(raw)} bytes exceeds {self.max_record_bytes}"
            return self._dead_text("too_large", [{"path": "", "message": message}],
                                   raw[:DLQ_TEXT_CHARS].decode("utf-8", "replace"))
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return self._dead_text("invalid_encoding",
                                       [{"path": "", "message": "not valid UTF-8"}],
                                       raw[:DLQ_TEXT_CHARS].decode("utf-8", "replace"))
            return self._dead_text("invalid_json", [{"path": "", "message": str(exc)}],
                                   text[:DLQ_TEXT_CHARS])
        if not isinstance(obj, dict):
            return self._dead_text("invalid_envelope",
                                   [{"path": "", "message": "expected a JSON object"}],
                                   raw[:DLQ_TEXT_CHARS].decode("utf-8", "replace"))
        try:
            try:
                return Valid(self._canonical(obj))
            except _Rejected as rejected:
                return self._dead_event(rejected.reason, rejected.errors, obj)
        except InterlogError:
            raise  # the tenant store is down or misconfigured: not this record's fault
        except RecursionError:
            return self._dead_text("too_deep", [{"path": "", "message": "nested too deeply"}], "")
        except Exception as exc:  # noqa: BLE001 - one odd record must never stop the stage
            # No message or traceback text in the log: either may quote the (unscrubbed) record.
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            log.error("unexpected error validating a record; dead-lettered", extra={
                "error_type": type(exc).__name__,
                "where": f"{frame.filename}:{frame.lineno}" if frame else None})
            return self._dead_text("internal_error", [{"path": "", "message": type(exc).__name__}], "")

    # -- the main path -----------------------------------------------------------------------
    def _canonical(self, obj: dict[str, Any]) -> dict[str, Any]:
        errors: list[dict[str, str]] = []
        get = obj.get
        tenant_id = get("tenantId")
        if not isinstance(tenant_id, str) or not tenant_id:
            raise _Rejected("invalid_envelope", [{"path": "tenantId", "message": "missing bridge stamp"}])
        event_type = get("eventType")
        if not isinstance(event_type, str) or not event_type:
            raise _Rejected("invalid_envelope", [{"path": "eventType", "message": "required"}])
        kind = CATALOG.get(event_type)
        if kind is None:
            raise _Rejected("unknown_event_type",
                            [{"path": "eventType", "message": "not in the event catalog"}])

        event_id = get("eventId")
        if not isinstance(event_id, str):
            errors.append({"path": "eventId", "message": "required (UUID text)"})
        else:
            if _CANONICAL_UUID.fullmatch(event_id):
                event_id = event_id.lower()
            else:
                try:
                    event_id = str(uuid.UUID(event_id))
                except ValueError:
                    errors.append({"path": "eventId", "message": "not a UUID"})
        session_id = id_text(get("sessionId"))
        if session_id is None:
            errors.append({"path": "sessionId", "message": "required"})
        user_id, anonymous_id = id_text(get("userId")), id_text(get("anonymousId"))
        if user_id is None and anonymous_id is None:
            errors.append({"path": "userId", "message": "userId or anonymousId is required"})
        client_ts = parse_time(get("timestamp"))
        if client_ts is None:
            errors.append({"path": "timestamp", "message": "required ISO-8601 time"})
        received_at = parse_time(get("receivedAt"))
        if received_at is None:
            errors.append({"path": "receivedAt", "message": "missing bridge stamp"})
        sent_at = None
        if get("sentAt") is not None:
            sent_at = parse_time(get("sentAt"))
            if sent_at is None:
                errors.append({"path": "sentAt", "message": "not an ISO-8601 time"})
        duration = get("duration")
        if duration is not None:
            if isinstance(duration, float) and duration.is_integer():
                duration = int(duration)
            if isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration < 2**63:
                errors.append({"path": "duration", "message": "expected milliseconds (integer >= 0)"})
                duration = None
        value = get("value")
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                errors.append({"path": "value", "message": "expected a number"})
                value = None
            else:
                value = float(value)
        context = get("context")
        if context is None:
            context = {}
        elif not isinstance(context, dict):
            errors.append({"path": "context", "message": "expected an object"})
            context = {}
        consent = get("consent")
        if consent is not None and not isinstance(consent, dict):
            errors.append({"path": "consent", "message": "expected an object"})
            consent = None
        event_data = get("eventData")
        if event_data is None:
            event_data = {}
        elif not isinstance(event_data, dict):
            errors.append({"path": "eventData", "message": "expected an object"})
            event_data = {}
        strings: dict[str, str | None] = {}
        for name in ("path", *_OPTIONAL_STRINGS):
            raw_value = get(name)
            if raw_value is not None and not isinstance(raw_value, str):
                errors.append({"path": name, "message": "expected a string"})
                raw_value = None
            strings[name] = raw_value or None
        for name in _RESOURCE_IDS:
            raw_value = get(name)
            strings[name] = id_text(raw_value)
            if raw_value not in (None, "") and strings[name] is None:
                errors.append({"path": name, "message": "expected an id (string or integer)"})
        if errors:
            raise _Rejected("invalid_envelope", errors)
        assert client_ts is not None and received_at is not None and session_id is not None
        assert isinstance(event_id, str)

        timestamp = client_ts if sent_at is None else client_ts + (received_at - sent_at)
        if timestamp > received_at + MAX_FUTURE:
            raise _Rejected("too_far_in_future", [{"path": "timestamp", "message":
                            f"{iso(timestamp)} is more than 24 h after receivedAt {iso(received_at)}"}])
        if timestamp < received_at - self.retention:
            raise _Rejected("older_than_retention", [{"path": "timestamp", "message":
                            f"{iso(timestamp)} is older than the {self.retention.days}-day retention"}])

        policy = self.tenants.policy(tenant_id)
        if policy is None:
            raise _Rejected("unknown_tenant", [{"path": "tenantId", "message": "no such tenant"}])
        analytics, personalization = effective_consent(consent, policy.consent_default)
        scrub = self._scrubber
        scrub.secret = policy.secret

        rules = self._rules[event_type]
        viewport = context.get("viewport")
        if "viewport" in rules and "viewport" not in event_data and isinstance(viewport, dict):
            event_data = {**event_data, "viewport": viewport}
        data = check_and_protect(rules, event_data, analytics, scrub, "eventData", errors)
        if errors:
            raise _Rejected("schema_violation", errors)

        user_agent = context_text(context, "userAgent") or text_or_none(get("userAgent"))
        device_type, browser, os_family = (classify_user_agent(user_agent) if user_agent
                                           else (None, None, None))
        client_device = context.get("deviceType")
        if isinstance(client_device, str) and client_device in DEVICE_TYPES:
            device_type = client_device
        referrer = context_text(context, "referrer")
        client_ip = get("clientIp")

        if analytics:
            user_id = self._protect_id(user_id, scrub)
            anonymous_id = self._protect_id(anonymous_id, scrub)
            ip_prefix = scrub.ip_prefix(client_ip) if isinstance(client_ip, str) else None
        else:
            user_id = scrub.hash_id(user_id) if user_id is not None else None
            anonymous_id = scrub.hash_id(anonymous_id) if anonymous_id is not None else None
            ip_prefix = None

        path = strings["path"]
        text = scrub.text
        context_get = context.get
        return {
            "eventId": event_id,
            "tenantId": tenant_id,
            "eventType": event_type,
            "eventCategory": kind.category,
            "timestamp": timestamp,
            "clientTimestamp": client_ts,
            "receivedAt": received_at,
            "sessionId": self._protect_id(session_id, scrub),
            "userId": user_id,
            "anonymousId": anonymous_id,
            "path": scrub.url(path) if path is not None else None,
            "component": None if (v := strings["component"]) is None else text(v),
            "action": None if (v := strings["action"]) is None else text(v),
            "perfumeId": None if (v := strings["perfumeId"]) is None else text(v),
            "houseId": None if (v := strings["houseId"]) is None else text(v),
            "noteId": None if (v := strings["noteId"]) is None else text(v),
            "duration": duration,
            "value": value,
            "eventData": data,
            "deviceType": device_type,
            "browser": browser,
            "os": os_family,
            "userAgent": None if user_agent is None else text(user_agent),
            "referrer": scrub.url(referrer) if referrer is not None else None,
            # context_text() inlined: a non-empty string, scrubbed, else None.
            "locale": text(v) if isinstance(v := context_get("locale"), str) and v else None,
            "timezone": text(v) if isinstance(v := context_get("timezone"), str) and v else None,
            "appVersion": text(v) if isinstance(v := context_get("appVersion"), str) and v else None,
            "platform": text(v) if isinstance(v := context_get("platform"), str) and v else None,
            "clientIpPrefix": ip_prefix,
            "consentAnalytics": analytics,
            "consentPersonalization": personalization,
            "schemaVersion": self._versions[event_type],
        }

    @staticmethod
    def _protect_id(value: str | None, scrub: Scrubber) -> str | None:
        """Ids are kept as sent unless they contain PII (an e-mail as user id...): then hashed."""
        if value is None:
            return None
        # Scrubbing changes a string exactly when it redacted something in it.
        return value if scrub.text(value) == value else scrub.hash_id(value)

    # -- dead letters ------------------------------------------------------------------------
    def _dead_text(self, reason: str, errors: list[dict[str, str]], text: str) -> DeadLetter:
        payload = scrub_text(text, self.counts)
        return DeadLetter(reason, None, dlq_record(reason, errors, None, payload))

    def _dead_event(self, reason: str, errors: list[dict[str, str]], obj: dict[str, Any]) -> DeadLetter:
        """The DLQ record of a parsed event: everything the main path would remove is removed."""
        tenant_id = obj.get("tenantId")
        policy = None
        if isinstance(tenant_id, str) and tenant_id and reason != "unknown_tenant":
            policy = self.tenants.policy(tenant_id)
        consent = obj.get("consent")
        analytics, _ = effective_consent(consent if isinstance(consent, dict) else None,
                                policy.consent_default if policy is not None else False)
        scrub = Scrubber(self._text_cache, self._url_cache, self.counts)
        scrub.secret = policy.secret if policy is not None else b""
        payload = dict(obj)
        client_ip = payload.pop("clientIp", None)
        payload.pop("clientIpPrefix", None)
        if not analytics:
            for name in ("userId", "anonymousId"):
                value = id_text(payload.get(name))
                if value is not None and policy is not None:
                    payload[name] = scrub.hash_id(value)
                else:
                    payload.pop(name, None)
        event_type = obj.get("eventType") if isinstance(obj.get("eventType"), str) else None
        rules = self._rules.get(event_type) if event_type else None
        event_data = payload.get("eventData")
        if policy is not None and rules is not None and isinstance(event_data, dict):
            payload["eventData"] = check_and_protect(rules, event_data, analytics, scrub, "eventData", [])
        elif policy is None or not analytics:
            # Without the schema (or the tenant's secret) free text and ids to hash cannot be told apart.
            payload.pop("eventData", None)
        payload = scrub_tree(payload, self.counts)
        if analytics and isinstance(client_ip, str) and isinstance(payload, dict):
            payload["clientIpPrefix"] = truncate_ip(client_ip)  # added after scrubbing: it is no PII
        received = obj.get("receivedAt") if isinstance(obj.get("receivedAt"), str) else None
        return DeadLetter(reason, event_type, dlq_record(reason, errors, received, payload))
