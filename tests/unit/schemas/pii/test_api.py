"""The public surface the validate stage relies on."""

from __future__ import annotations

import inspect

import schemas.pii as pii


def test_public_functions_and_signatures() -> None:
    signatures = {
        name: str(inspect.signature(getattr(pii, name)))
        for name in pii.__all__
        if callable(getattr(pii, name))
    }
    assert signatures == {
        "hmac_id": "(secret: 'bytes', value: 'str') -> 'str'",
        "is_sensitive_key": "(key: 'str') -> 'bool'",
        "scrub_text": "(text: 'str', counts: 'Counter[str]') -> 'str'",
        "scrub_tree": "(value: 'Any', counts: 'Counter[str]') -> 'Any'",
        "scrub_url": "(url: 'str', counts: 'Counter[str]') -> 'str'",
        "truncate_ip": "(ip: 'str') -> 'str | None'",
    }


def test_placeholders_and_count_kinds() -> None:
    assert pii.PLACEHOLDERS == {
        "email": "[email]",
        "phone": "[phone]",
        "card": "[card]",
        "iban": "[iban]",
        "ssn": "[ssn]",
        "national_id": "[national_id]",
        "ip": "[ip]",
        "token": "[token]",
        "password": "[password]",
        "sensitive_key": "[redacted]",
        "url_query": "[redacted]",
    }
    assert set(pii.COUNT_KINDS) == {*pii.PLACEHOLDERS, "url_fragment", "url_userinfo"}
