"""scrub_tree behaviour on concrete trees."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from schemas.pii import scrub_tree


def test_sensitive_keys_use_typed_placeholders_and_keep_shape() -> None:
    event: dict[str, Any] = {
        "Email-Address": "jane@x.com",
        "first_name": "Jane",
        "name": "Chanel No. 5",
        "items": [
            {
                "USER_PASSWORD": 123456,
                "address": {
                    "street": "1 Main St",
                    "zip": None,
                    "verified": True,
                    "lines": ["a", ""],
                    "j@x.io": 1,
                },
                "emailVerified": True,
                "addressBookEnabled": "yes",
            }
        ],
        "authorization": "Bearer x",
        "phone": None,
    }
    counts: Counter[str] = Counter()
    assert scrub_tree(event, counts) == {
        "Email-Address": "[email]",
        "first_name": "[redacted]",
        "name": "Chanel No. 5",
        "items": [
            {
                "USER_PASSWORD": "[password]",
                "address": {
                    "street": "[redacted]",
                    "zip": None,
                    "verified": True,
                    "lines": ["[redacted]", ""],
                    "[email]": "[redacted]",
                },
                "emailVerified": True,
                "addressBookEnabled": "yes",
            }
        ],
        "authorization": "[token]",
        "phone": None,
    }
    assert counts == Counter({"sensitive_key": 7, "email": 1})


def test_strings_urls_and_numbers() -> None:
    tree = {
        "path": "/p/1?email=a@b.c#frag",
        "referrer": "https://www.google.com/search?q=jane+doe",
        "comment": "mail me at jane@x.com",
        "cardAsInt": 4111111111111111,
        "epochMs": 1763800000000,
        "price": 129.99,
        "qty": 2,
        "flag": False,
        "tuple": ("call 212-555-1234",),
        "jane@x.com": 1,
    }
    counts: Counter[str] = Counter()
    assert scrub_tree(tree, counts) == {
        "path": "/p/1?email=[redacted]",
        "referrer": "https://www.google.com/search?q=[redacted]",
        "comment": "mail me at [email]",
        "cardAsInt": "[card]",
        "epochMs": 1763800000000,
        "price": 129.99,
        "qty": 2,
        "flag": False,
        "tuple": ["call [phone]"],
        "[email]": 1,
    }
    assert counts == Counter({"url_query": 2, "url_fragment": 1, "email": 2, "card": 1, "phone": 1})


def test_input_is_not_modified_and_scalars_pass_through() -> None:
    tree = {"a": ["jane@x.com", {"password": "x"}]}
    before = copy.deepcopy(tree)
    scrub_tree(tree, Counter())
    assert tree == before
    for scalar in (None, True, 0, -5, 1.5, "ok"):
        assert scrub_tree(scalar, Counter()) == scalar


def test_second_pass_changes_nothing_and_counts_nothing() -> None:
    tree = {
        "email": "jane@x.com",
        "t": "pwd=x and 203.0.113.5",
        "u": "https://a.b/?token=1#x",
        "n": [4111111111111111],
    }
    once = scrub_tree(tree, Counter())
    counts: Counter[str] = Counter()
    assert scrub_tree(once, counts) == once
    assert not counts
