"""Hypothesis generators for PII values, non-PII text, sensitive keys and JSON-like trees."""

from __future__ import annotations

import base64
import json
import re
import string
from typing import Any
from urllib.parse import quote

import phonenumbers
from hypothesis import strategies as st
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.us import ssn as us_ssn

# -- PII values ---------------------------------------------------------------------------------

emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._+\-]{0,14}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9\-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "org", "de", "co.uk", "io", "fr"]),
)

_CARD_PREFIXES = [
    ("4", 16),
    ("4", 13),
    ("4", 19),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("65", 16),
    ("36", 14),
    ("3528", 16),
    ("62", 19),
]


def _group(digits: str, size: int, separator: str) -> str:
    return separator.join(digits[i : i + size] for i in range(0, len(digits), size))


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix, length = draw(st.sampled_from(_CARD_PREFIXES))
    rest = draw(
        st.text(alphabet=string.digits, min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    body = prefix + rest
    number = body + luhn.calc_check_digit(body)
    return _group(number, 4, draw(st.sampled_from(["", " ", "-"])))


_IBAN_BBAN = {
    "DE": "n18",
    "GB": "a4n14",
    "NL": "a4n10",
    "AT": "n16",
    "CH": "n5c12",
    "FR": "n10c11n2",
    "IT": "a1n10c12",
    "IE": "a4n14",
    "PL": "n24",
    "SE": "n20",
    "DK": "n14",
    "FI": "n14",
    "PT": "n21",
}
_ALPHABETS = {"a": string.ascii_uppercase, "n": string.digits, "c": string.ascii_uppercase + string.digits}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(_IBAN_BBAN)))
    bban = ""
    for kind, size in re.findall(r"([anc])(\d+)", _IBAN_BBAN[country]):
        bban += draw(st.text(alphabet=_ALPHABETS[kind], min_size=int(size), max_size=int(size)))
    converted = "".join(str(int(c, 36)) for c in bban + country + "00")
    number = f"{country}{98 - int(converted) % 97:02d}{bban}"
    assert std_iban.is_valid(number), number
    return _group(number, 4, " ") if draw(st.booleans()) else number


ssns = st.builds(
    lambda area, group, serial, sep: f"{area:03d}{sep}{group:02d}{sep}{serial:04d}",
    st.integers(1, 899).filter(lambda a: a != 666),
    st.integers(1, 99),
    st.integers(1, 9999),
    st.sampled_from(["-", " "]),
).filter(us_ssn.is_valid)

ipv4s = st.ip_addresses(v=4).map(str)
ipv6s = st.one_of(
    st.ip_addresses(v=6).filter(lambda a: int(a) > 0).map(str),
    st.ip_addresses(v=6).filter(lambda a: int(a) > 0).map(lambda a: a.exploded),
    ipv4s.map(lambda a: f"::ffff:{a}"),
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


jwts = st.builds(
    lambda sub, sig: ".".join(
        [_b64url(b'{"alg":"HS256","typ":"JWT"}'), _b64url(json.dumps({"sub": sub}).encode()), _b64url(sig)]
    ),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20),
    st.binary(min_size=16, max_size=40),
)

_PHONE_REGIONS = ["US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "AU", "JP", "BR", "IN"]
_NATIONAL_OK = {"US", "CA", "GB", "DE", "FR", "IT", "ES", "NL"}


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(_PHONE_REGIONS))
    kind = draw(
        st.sampled_from([phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE])
    )
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    national = str(example.national_number)
    varied = national[:-3] + f"{draw(st.integers(0, 999)):03d}"
    number = phonenumbers.parse(f"+{example.country_code}{varied}", None)
    if not phonenumbers.is_valid_number(number):
        number = example
    formats = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL]
    national_text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if region in _NATIONAL_OK and (region in ("US", "CA") or national_text.startswith("0")):
        formats.append(phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, draw(st.sampled_from(formats)))


_ALNUM = string.ascii_letters + string.digits
vendor_keys = st.one_of(
    st.text(alphabet=_ALNUM, min_size=24, max_size=32).map(lambda s: f"sk_live_{s}"),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=16, max_size=16).map(
        lambda s: f"AKIA{s}"
    ),
    st.text(alphabet=_ALNUM, min_size=36, max_size=36).map(lambda s: f"ghp_{s}"),
)

pii_values = st.one_of(
    emails, card_numbers(), ibans(), ssns, ipv4s, ipv6s, jwts, vendor_keys, phone_numbers()
)

# -- carriers: free text, URLs --------------------------------------------------------------------

_SEPARATORS = [" ", "\n", "\t", ", ", "; ", " | ", " (", ") ", ": ", " - "]
noise = st.text(max_size=15)
tricky_text = st.text(alphabet="0123456789 -.()/+:=@%_xXabcdefABCDEFGHQ'\"", max_size=40)
"""Digits, separators and hex letters: exercises the edges of the digit-run and IP detectors."""


@st.composite
def in_free_text(draw: st.DrawFn, value: str) -> str:
    before, after = draw(noise), draw(noise)
    left = draw(st.sampled_from(_SEPARATORS))
    right = draw(st.sampled_from(_SEPARATORS))
    return f"{before}{left}{value}{right}{after}"


_SLUG = st.from_regex(r"[a-z0-9\-]{1,12}", fullmatch=True)


@st.composite
def in_url(draw: st.DrawFn, value: str) -> str:
    base = draw(st.sampled_from(["https://shop.example.com", "http://example.org:8080", "", "//cdn.example"]))
    segment = draw(_SLUG)
    encoded = quote(value, safe="")
    where = draw(st.sampled_from(["path", "allowlisted", "query", "fragment", "userinfo"]))
    if where == "path":
        url = f"{base}/{segment}/{quote(value, safe='@+:')}/end?page=2"
    elif where == "allowlisted":
        url = f"{base}/{segment}?utm_source={encoded}&page=1"
    elif where == "query":
        key = draw(st.sampled_from(["email", "q", "ref", "x", "redirect"]))
        url = f"{base}/{segment}?sort=asc&{key}={encoded}"
    elif where == "fragment":
        url = f"{base}/{segment}#{value}"
    else:
        url = f"https://{quote(value, safe='')}:pw@example.com/{segment}"
    if draw(st.booleans()):
        return url
    return f"{draw(noise)} {url} {draw(noise)}"


# -- trees ----------------------------------------------------------------------------------------

plain_keys = st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=10)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_trees = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(plain_keys, children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def planted(draw: st.DrawFn, leaf: Any, keys: st.SearchStrategy[str] = plain_keys) -> tuple[Any, list[Any]]:
    """A random tree with ``leaf`` at a random depth; returns (tree, path to the leaf)."""
    steps = draw(st.lists(st.one_of(keys, st.integers(0, 3)), max_size=4))
    node = leaf
    path: list[Any] = []
    for step in reversed(steps):
        if isinstance(step, str):
            siblings = draw(st.dictionaries(plain_keys, json_trees, max_size=3))
            siblings.pop(step, None)
            siblings[step] = node
            node = siblings
            path.insert(0, step)
        else:
            items = draw(st.lists(json_trees, max_size=3))
            index = min(step, len(items))
            items.insert(index, node)
            node = items
            path.insert(0, index)
    return node, path


def follow(tree: Any, path: list[Any]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


# -- non-PII text (must be left alone) ------------------------------------------------------------

_PRODUCTS = [
    "Chanel No. 5",
    "Dior Sauvage Eau de Parfum 100ml",
    "Tom Ford Oud Wood",
    "Le Labo Santal 33",
    "Maison Margiela Replica Jazz Club",
    "Creed Aventus 50 ml",
    "YSL Libre EDP",
]
_NOTES = ["bergamot", "vanilla", "sandalwood", "oud", "amber", "musk", "rose", "patchouli", "vetiver", "iris"]
_QUERY_WORDS = ["woody", "oud", "under", "fresh", "citrus", "summer", "gift", "for", "her", "him", "best"]

non_pii_fragments = st.one_of(
    st.sampled_from(_PRODUCTS),
    st.builds(lambda d, c: f"${d}.{c:02d}", st.integers(0, 99999), st.integers(0, 99)),
    st.builds(lambda d, c: f"€{d},{c:02d}", st.integers(0, 9999), st.integers(0, 99)),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="milliseconds") + "Z"),
    st.uuids().map(str),
    st.lists(st.sampled_from(_NOTES), min_size=1, max_size=4).map(", ".join),
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.integers(0, 99), st.integers(0, 99), st.integers(0, 999)),
    st.builds(
        lambda a, b, c, p: f"{a}.{b}.{c}-{p}",
        st.integers(0, 30),
        st.integers(0, 30),
        st.integers(0, 30),
        st.sampled_from(["beta.1", "rc.2", "alpha"]),
    ),
    st.integers(-9999, 99999).map(str),
    st.builds(lambda y, n: f"ORD-{y}-{n:06d}", st.integers(2000, 2099), st.integers(0, 999999)),
    st.builds(lambda n, u: f"{n}{u}", st.integers(0, 4000), st.sampled_from(["px", "rem", "em", "%", "vh"])),
    st.builds(lambda n, u: f"{n} {u}", st.integers(0, 9_999_999), st.sampled_from(["ms", "s"])),
    st.builds(
        lambda w, n: " ".join([*w, str(n)]),
        st.lists(st.sampled_from(_QUERY_WORDS), min_size=1, max_size=4),
        st.integers(0, 500),
    ),
    st.builds(lambda w, h: f"{w}x{h}", st.integers(320, 7680), st.integers(240, 4320)),
    st.integers(0, 0xFFFFFF).map(lambda c: f"#{c:06x}"),
)
non_pii_text = st.lists(non_pii_fragments, min_size=1, max_size=5).map(", ".join)

# -- sensitive keys -------------------------------------------------------------------------------

_SENSITIVE_WORDS = [
    ["email"],
    ["email", "address"],
    ["first", "name"],
    ["last", "name"],
    ["full", "name"],
    ["user", "password"],
    ["password"],
    ["api", "key"],
    ["access", "token"],
    ["refresh", "token"],
    ["client", "secret"],
    ["ssn"],
    ["social", "security", "number"],
    ["phone", "number"],
    ["mobile"],
    ["credit", "card"],
    ["card", "number"],
    ["date", "of", "birth"],
    ["dob"],
    ["billing", "address"],
    ["street", "address"],
    ["iban"],
    ["cvv"],
    ["given", "name"],
    ["surname"],
    ["authorization"],
    ["cookie"],
    ["secret"],
    ["pwd"],
    ["passwd"],
    ["tel"],
]


@st.composite
def sensitive_keys(draw: st.DrawFn) -> str:
    words = draw(st.sampled_from(_SENSITIVE_WORDS))
    style = draw(
        st.sampled_from(["snake", "kebab", "camel", "pascal", "upper", "dotted", "spaced", "title-kebab"])
    )
    if style == "snake":
        return "_".join(words)
    if style == "kebab":
        return "-".join(words)
    if style == "camel":
        return words[0] + "".join(w.capitalize() for w in words[1:])
    if style == "pascal":
        return "".join(w.capitalize() for w in words)
    if style == "upper":
        return "_".join(words).upper()
    if style == "dotted":
        return ".".join(words)
    if style == "spaced":
        return " ".join(words)
    return "-".join(w.capitalize() for w in words)
