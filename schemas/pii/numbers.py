"""Digit-run detectors: payment cards (Luhn + issuer prefix), US SSNs and phone numbers.

A *digit run* is digits joined by short separators (space, ``-``, ``.``, ``/``, parentheses),
optionally led by ``+``. A run is cut into digit groups and every window of consecutive groups is
tried, longest first, so a value glued to a neighbouring number by a space (``"12 4111 1111 1111
1111"``) is still found. Windows are checked in the order card, SSN, phone.

Validation uses real libraries: ``stdnum.luhn`` for cards, ``stdnum.us.ssn`` for SSNs,
``phonenumbers.is_valid_number`` for phones (region ``US`` for national numbers, a few European
regions for national numbers with a leading trunk ``0``, none for ``+`` international numbers).
Dates (``2026-11-22``, ``22.11.2026``) are never phones; runs glued to letters or ``-``/``.``
(``ORD-2024-000123``, ``v1.2.3``, ``1920x1080``) are not runs at all.

Privacy over precision: a bare 10-digit number that is a valid NANP number (``2125551234``) is a
phone even when it was meant as an id (about 40% of random 10-digit numbers qualify; 7-9 and 12
digit numbers never do), and a Luhn-valid 13-19 digit number with a card issuer prefix is a card
(about 5% of random 16-digit numbers). Epoch seconds and milliseconds start with ``1`` and are
neither.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

import phonenumbers
from stdnum import luhn
from stdnum.us import ssn as us_ssn

from schemas.pii.placeholders import PLACEHOLDERS

DIGIT_RUN: Final = re.compile(r"(?<![\w.+\-])[+(]?[0-9]+(?:[ ().\-/]{1,3}[0-9]+)*\)?")
"""No trailing look-ahead on purpose: a run glued to a letter (``1920x1080``, ``2026-11-22T10``) is
rejected in Python after the match, which keeps matching linear (no backtracking)."""
_DIGIT_GROUP: Final = re.compile(r"[0-9]+")
_LAST_GROUP: Final = re.compile(r"[0-9]+\)?$")
_CARD_SEPARATORS: Final = re.compile(r"[0-9]+(?:[ \-][0-9]+)*")
_SSN_SHAPE: Final = re.compile(r"[0-9]{3}([ \-])[0-9]{2}\1[0-9]{4}")
_DATE_LIKE: Final = re.compile(
    r"(?<![0-9])(?:[0-9]{4}[\-/.][0-9]{1,2}[\-/.][0-9]{1,2}|[0-9]{1,2}[\-/.][0-9]{1,2}[\-/.][0-9]{4})(?![0-9])"
)
_TRUNK_ZERO_REGIONS: Final = ("GB", "DE", "FR", "IT", "ES", "NL")
_MAX_WINDOW_GROUPS: Final = 8


def is_card_number(digits: str) -> bool:
    """13-19 digits, a known issuer prefix (Visa 4, Mastercard 2221-2720/5x, Amex/Diners/JCB 3x,
    Discover/UnionPay/Maestro 6x) and a valid Luhn check digit. The prefix rule keeps epoch
    milliseconds (``1763...``) and other Luhn-valid ids starting with 0/1/7/8/9 out."""
    if not 13 <= len(digits) <= 19:
        return False
    first = digits[0]
    if first == "2":
        if not 2221 <= int(digits[:4]) <= 2720:
            return False
    elif first not in "3456":
        return False
    return bool(luhn.is_valid(digits))


def _is_ssn(window: str) -> bool:
    if _SSN_SHAPE.fullmatch(window) is None:
        return False
    return bool(us_ssn.is_valid(window.replace(" ", "-")))


def _is_phone(window: str, digits: str) -> bool:
    if not 7 <= len(digits) <= 15 or _DATE_LIKE.search(window):
        return False
    try:
        if window.startswith("+"):
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(window, None)))
        if digits.startswith("0"):
            if window == digits or len(digits) < 9:
                return False
            for region in _TRUNK_ZERO_REGIONS:
                if phonenumbers.is_valid_number(phonenumbers.parse(window, region)):
                    return True
            return False
        if len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"):
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(window, "US")))
    except phonenumbers.NumberParseException:
        return False
    return False


def _classify(core: str, window: str, digits: str) -> str | None:
    """``core``: the digit groups and what separates them; ``window``: the same with a leading
    ``+``/``(`` and a closing ``)`` (phones only)."""
    if 13 <= len(digits) <= 19 and _CARD_SEPARATORS.fullmatch(core) and is_card_number(digits):
        return "card"
    if len(digits) == 9 and _is_ssn(core):
        return "ssn"
    if _is_phone(window, digits):
        return "phone"
    return None


def _is_boundary(separator: str) -> bool:
    """Windows start and end only where the run has a space, a parenthesis or a slash, so the
    middle of a dotted or dashed structure (``10.0.19045.2364``, ``2024-000123``) is never a value
    while a path segment (``/0/4111111111111111/``) still is."""
    return " " in separator or "(" in separator or ")" in separator or "/" in separator


def _scrub_run(run: str, counts: Counter[str]) -> str:
    groups = [(m.start(), m.end()) for m in _DIGIT_GROUP.finditer(run)]
    pieces: list[str] = []
    done = 0  # run[:done] is already in pieces
    i = 0
    while i < len(groups):
        found = False
        if i > 0 and not _is_boundary(run[groups[i - 1][1] : groups[i][0]]):
            i += 1
            continue
        last = min(len(groups), i + _MAX_WINDOW_GROUPS) - 1
        for j in range(last, i - 1, -1):
            if j + 1 < len(groups) and not _is_boundary(run[groups[j][1] : groups[j + 1][0]]):
                continue
            core_start, core_end = start, end = groups[i][0], groups[j][1]
            if start > 0 and run[start - 1] in "+(":
                start -= 1
            if run[start] == "(" and end < len(run) and run[end] == ")":
                end += 1
            digits = "".join(run[a:b] for a, b in groups[i : j + 1])
            if len(digits) < 7:
                break
            kind = _classify(run[core_start:core_end], run[start:end], digits)
            if kind is not None:
                if kind != "phone":
                    start, end = core_start, core_end
                pieces.append(run[done:start])
                pieces.append(PLACEHOLDERS[kind])
                counts[kind] += 1
                done = end
                i = j + 1
                found = True
                break
        if not found:
            i += 1
    if not pieces:
        return run
    pieces.append(run[done:])
    return "".join(pieces)


def scrub_digit_runs(text: str, counts: Counter[str]) -> str:
    """Replace cards, SSNs and phone numbers found in digit runs of ``text``.

    Cost is linear in the number of digit groups (at most 8 windows are tried per group)."""

    def substitute(match: re.Match[str]) -> str:
        run, end = match.group(0), match.end()
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            # The last group is part of a word (``1920x1080``, ``0A``): it is not a value, but the
            # groups before it are when a boundary separates them (``4111 1111 1111 1111 0A``).
            last = _LAST_GROUP.search(run)
            assert last is not None  # a run always ends in a digit group
            cut = last.start()
            while cut > 0 and not run[cut - 1].isdigit():
                cut -= 1
            if cut == 0 or not _is_boundary(run[cut : last.start()]):
                return run
            return _scrub_run(run[:cut], counts) + run[cut:]
        return _scrub_run(run, counts)

    return DIGIT_RUN.sub(substitute, text)
