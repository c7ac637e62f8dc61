"""Value detectors for free text (everything except URLs, see ``urls.py``).

``scrub_plain_text`` first asks the pre-filter (``prefilter.needs_scan``): a string with no ``@``,
no run of 7+ digits, no dotted quad, no IPv6-ish colons, no IBAN/NINO shape, no long token-ish
run, no ``eyJ`` and no ``password=``/``Bearer x``-style keyword is returned as is. Only strings
that trip the pre-filter pay for the detectors below, each gated by a cheap check and each
validating its candidates (``ipaddress``, ``stdnum``, ``phonenumbers``, entropy rules) before
replacing them. Detection order matters (earlier placeholders hide their digits from later ones):
JWT, Bearer/Basic credentials, ``key=value`` secrets, vendor-prefixed keys, e-mails, IBANs,
generic high-entropy tokens, UK NINOs, IPv6 (before IPv4: ``::ffff:1.2.3.4``), IPv4, then digit
runs (cards, SSNs, phones).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections import Counter
from collections.abc import Callable
from typing import Final
from urllib.parse import unquote

from stdnum import iban as std_iban

from schemas.pii.keys import sensitive_key_kind
from schemas.pii.numbers import scrub_digit_runs
from schemas.pii.placeholders import PLACEHOLDER_VALUES, PLACEHOLDERS
from schemas.pii.prefilter import MIN_PII_LENGTH, needs_scan

_CREDENTIAL_GATE: Final = re.compile(
    r"(?i:pass|pwd|secret|token|key|auth|cookie|pin|otp|sess)[\w.\-]{0,30}[\"']?\s*[:=]"
)
_JWT: Final = re.compile(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")
_AUTH_SCHEME: Final = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/\-]{8,}=*)")
_KEY_VALUE: Final = re.compile(
    r"(?<![\w.\-])([\"']?)([A-Za-z][\w.\-]{0,48}?)\1(\s*[:=]\s*)(\"[^\"\n]{0,256}\"|'[^'\n]{0,256}'|[^\s&,;\"'<>]+)"
)
_PREFIXED_TOKEN: Final = re.compile(
    r"\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{30,}|glpat-[A-Za-z0-9_\-]{20,}"
    r"|npm_[A-Za-z0-9]{36})\b"
)
_PREFIX_GATE: Final = re.compile(
    r"sk_|pk_|rk_|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat|xox|AIza|glpat|npm_"
)
_EMAIL: Final = re.compile(r"(?<![\w.%+'\-])[\w.%+'\-]+(?:@|%40)((?:[\w\-]+\.)+[\w\-]+)")
_RETINA_ASSET: Final = re.compile(r"[0-9](?:\.[0-9]+)?x\.", re.ASCII)
_IBAN: Final = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,32}\b")
_LONG_RUN: Final = re.compile(r"(?<![\w+/\-])[A-Za-z0-9+/_\-]{24,}={0,2}(?![\w+/\-])")
_NINO: Final = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b"
)
_IPV4: Final = re.compile(r"(?<![\w./])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?!\w|\.[0-9])")
_IPV6: Final = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{0,4})"
    r"(?:%[0-9A-Za-z._\-]+)?(?!\w)"
)
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_HAS_HEX_DIGIT: Final = re.compile(r"[0-9A-Fa-f]")
_SEVEN_DIGITS: Final = re.compile(r"[0-9](?:[ ().\-/]{0,3}[0-9]){6}")
_CREDENTIAL_KINDS: Final = frozenset({"password", "token"})
_AUTH_SCHEME_WORDS: Final = frozenset({"bearer", "basic", "digest", "token"})


def _replace(
    pattern: re.Pattern[str], kind: str, valid: Callable[[re.Match[str]], bool]
) -> Callable[[str, Counter[str]], str]:
    placeholder = PLACEHOLDERS[kind]

    def scrub(text: str, counts: Counter[str]) -> str:
        def substitute(match: re.Match[str]) -> str:
            if not valid(match):
                return match.group(0)
            counts[kind] += 1
            return placeholder

        return pattern.sub(substitute, text)

    return scrub


def _always(_: re.Match[str]) -> bool:
    return True


def _looks_like_credential(scheme: str, value: str) -> bool:
    if scheme.lower() == "basic":
        try:
            return b":" in base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return False
    return any(c.isdigit() or c in "._~+/-=" for c in value) or any(c.isupper() for c in value[1:])


def _scrub_auth_scheme(text: str, counts: Counter[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        scheme, space, value = match.groups()
        if not _looks_like_credential(scheme, value):
            return match.group(0)
        counts["token"] += 1
        return f"{scheme}{space}{PLACEHOLDERS['token']}"

    return _AUTH_SCHEME.sub(substitute, text)


def _scrub_key_values(text: str, counts: Counter[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        quote, key, separator, value = match.groups()
        kind = sensitive_key_kind(key)
        if kind not in _CREDENTIAL_KINDS:
            return match.group(0)
        bare = value[1:-1] if value[:1] in "\"'" and len(value) >= 2 else value
        if not bare or bare in PLACEHOLDER_VALUES or bare.lower() in _AUTH_SCHEME_WORDS:
            return match.group(0)
        assert kind is not None
        counts[kind] += 1
        wrapped = value[0] + PLACEHOLDERS[kind] + value[0] if bare != value else PLACEHOLDERS[kind]
        return f"{quote}{key}{quote}{separator}{wrapped}"

    return _KEY_VALUE.sub(substitute, text)


def _is_email(match: re.Match[str]) -> bool:
    return _RETINA_ASSET.match(match.group(1)) is None


def _scrub_ibans(text: str, counts: Counter[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        candidate = match.group(0)
        # The pattern is greedy; trailing words ("... 32 EUR") may follow: try shorter ends.
        for end in range(len(candidate), 14, -1):
            head = candidate[:end]
            if head[-1] != " " and std_iban.is_valid(head):
                counts["iban"] += 1
                return PLACEHOLDERS["iban"] + candidate[end:]
        return candidate

    return _IBAN.sub(substitute, text)


def is_token_like(run: str) -> bool:
    """A long high-entropy token: 32+ hex chars (not a dashless UUID), or 24+ base64/base64url
    chars mixing upper, lower and digits with few separators and frequent class changes (random
    text changes class ~60% of the time, camelCase words and slugs far less)."""
    run = run.rstrip("=")
    n = len(run)
    if n < 24:
        return False
    if n >= 32 and _HEX.fullmatch(run):
        has_letter = any(c.isalpha() for c in run)
        has_digit = any(c.isdigit() for c in run)
        dashless_uuid = n == 32 and run[12] in "12345678" and run[16] in "89abAB"
        return has_letter and has_digit and not dashless_uuid
    upper = lower = digit = separators = changes = 0
    previous = ""
    for c in run:
        if c.isupper():
            cls = "u"
            upper += 1
        elif c.islower():
            cls = "l"
            lower += 1
        elif c.isdigit():
            cls = "d"
            digit += 1
        else:
            cls = "s"
            separators += 1
        if previous and cls != previous:
            changes += 1
        previous = cls
    if upper < 2 or lower < 2 or digit < 2 or separators * 10 > n:
        return False
    return changes * 10 >= (n - 1) * 4


def _is_token_run(match: re.Match[str]) -> bool:
    start = match.start()
    if start >= 2 and match.string[start - 2 : start] == "h:" and len(match.group(0)) == 64:
        return False  # an hmac_id() pseudonym, already safe
    return is_token_like(match.group(0))


def _is_ipv4(match: re.Match[str]) -> bool:
    try:
        ipaddress.IPv4Address(match.group(0))
    except ValueError:
        return False
    return True


def _is_ipv6(candidate: str) -> bool:
    if _HAS_HEX_DIGIT.search(candidate) is None:
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def _scrub_ipv6(text: str, counts: Counter[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        candidate = match.group(0)
        if _is_ipv6(candidate):
            counts["ip"] += 1
            return PLACEHOLDERS["ip"]
        # A colon right after an address is punctuation ("from ::1: ok", "64:ff9b::: x").
        if candidate.endswith(":") and _is_ipv6(candidate[:-1]):
            counts["ip"] += 1
            return PLACEHOLDERS["ip"] + ":"
        return candidate

    return _IPV6.sub(substitute, text)


_scrub_jwt = _replace(_JWT, "token", _always)
_scrub_prefixed = _replace(_PREFIXED_TOKEN, "token", _always)
_scrub_emails = _replace(_EMAIL, "email", _is_email)
_scrub_tokens = _replace(_LONG_RUN, "token", _is_token_run)
_scrub_ninos = _replace(_NINO, "national_id", _always)
_scrub_ipv4 = _replace(_IPV4, "ip", _is_ipv4)


def scrub_plain_text(text: str, counts: Counter[str]) -> str:
    """Replace every PII value detected in ``text`` (URLs get no special treatment here).

    Increments ``counts[kind]`` once per replaced value. Returns ``text`` itself when the
    pre-filter finds nothing (the common case costs one regex search).
    """
    if len(text) < MIN_PII_LENGTH or not needs_scan(text):
        return text
    if "%" in text:
        # Percent-encoded values (``4111%201111...``, ``jane%40x.com``): when the decoded text
        # holds PII, the decoded and scrubbed text is returned.
        decoded = unquote(text)
        if decoded != text:
            found: Counter[str] = Counter()
            scrubbed = run_detectors(decoded, found)
            if found:
                counts.update(found)
                return scrubbed
    return run_detectors(text, counts)


def run_detectors(text: str, counts: Counter[str]) -> str:
    """All detectors, without the pre-filter (tests use it to prove the pre-filter is safe)."""
    if "eyJ" in text:
        text = _scrub_jwt(text, counts)
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        text = _scrub_auth_scheme(text, counts)
    if _CREDENTIAL_GATE.search(text):
        text = _scrub_key_values(text, counts)
    if _PREFIX_GATE.search(text):
        text = _scrub_prefixed(text, counts)
    if "@" in text or "%40" in text:
        text = _scrub_emails(text, counts)
    text = _scrub_ibans(text, counts)
    text = _scrub_tokens(text, counts)
    text = _scrub_ninos(text, counts)
    if ":" in text:
        text = _scrub_ipv6(text, counts)
    if "." in text:
        text = _scrub_ipv4(text, counts)
    if _SEVEN_DIGITS.search(text):
        text = scrub_digit_runs(text, counts)
    return text
