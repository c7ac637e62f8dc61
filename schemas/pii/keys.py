"""Sensitive-key matching: which JSON keys hold personal data whatever their value looks like.

Keys are normalised by lowercasing and dropping ``_``, ``-``, ``.`` and spaces, so ``Email-Address``,
``email_address``, ``EMAIL.ADDRESS`` and ``emailAddress`` are the same key ``emailaddress``.
A normalised key is sensitive when (first rule that applies wins):

1. it is one of the exact terms (e.g. ``mail``, ``tel``, ``pass``, ``pin``, ``ip``, ``zip``);
2. it ends with a *metadata suffix* (``enabled``, ``verified``, ``length``, ``strength``, ``type``,
   ``format``, ``expiresat``...): such keys describe a sensitive field instead of holding it
   (``addressBookEnabled``, ``emailVerified``, ``passwordStrength``, ``tokenExpiresAt``) -> not
   sensitive; their string values are still scanned by the value detectors;
3. it ends with a suffix term (``userPassword``, ``billing_address``, ``csrfToken``, ``customerEmail``);
4. it contains a strong term anywhere (``passwordConfirmation``, ``creditCardNumberLast``...);
5. it ends with ``name`` right after a person word (``customerName``, ``cardholderName``).

Plain ``name`` (a perfume's name), ``*Id`` keys (``emailId``, ``addressId``: database ids) and
``sessionId`` are deliberately NOT sensitive. Result: the placeholder kind the key implies, or None.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

_DROP_SEPARATORS: Final = str.maketrans("", "", "_-. ")

# term -> placeholder kind ("redacted" = generic "[redacted]")
_EXACT: Final[dict[str, str]] = {
    "mail": "email",
    "tel": "phone",
    "mobile": "phone",
    "msisdn": "phone",
    "pass": "password",
    "pin": "password",
    "pincode": "password",
    "otp": "password",
    "birthday": "redacted",
    "ip": "ip",
    "zip": "redacted",
    "sin": "national_id",
    "nin": "national_id",
    "nino": "national_id",
    "jsessionid": "token",
    "phpsessid": "token",
}

_SUFFIX: Final[dict[str, str]] = {
    "email": "email",
    "emails": "email",
    "emailaddress": "email",
    "ipaddress": "ip",
    "phone": "phone",
    "phones": "phone",
    "phonenumber": "phone",
    "phonenumbers": "phone",
    "mobilenumber": "phone",
    "telephone": "phone",
    "faxnumber": "phone",
    "password": "password",
    "passwd": "password",
    "pwd": "password",
    "userpass": "password",
    "passcode": "password",
    "token": "token",
    "tokens": "token",
    "secret": "token",
    "secrets": "token",
    "apikey": "token",
    "cookie": "token",
    "cookies": "token",
    "authorization": "token",
    "privatekey": "token",
    "ssn": "ssn",
    "iban": "iban",
    "cvv": "card",
    "cvv2": "card",
    "cvc": "card",
    "address": "redacted",
    "addresses": "redacted",
    "dob": "redacted",
    "zipcode": "redacted",
    "postcode": "redacted",
    "postalcode": "redacted",
    "username": "redacted",
    "passport": "national_id",
    "passportnumber": "national_id",
    "nationalid": "national_id",
    "taxid": "national_id",
    "clientip": "ip",
    "remoteip": "ip",
    "userip": "ip",
    "remoteaddr": "ip",
    "xforwardedfor": "ip",
    "dateofbirth": "redacted",
    "birthdate": "redacted",
}

_ANYWHERE: Final[dict[str, str]] = {
    "password": "password",
    "passwd": "password",
    "passphrase": "password",
    "secret": "token",
    "apikey": "token",
    "accesstoken": "token",
    "refreshtoken": "token",
    "authtoken": "token",
    "idtoken": "token",
    "bearertoken": "token",
    "privatekey": "token",
    "creditcard": "card",
    "cardnumber": "card",
    "socialsecurity": "ssn",
    "emailaddress": "email",
    "phonenumber": "phone",
    "firstname": "redacted",
    "lastname": "redacted",
    "fullname": "redacted",
    "surname": "redacted",
    "givenname": "redacted",
    "middlename": "redacted",
    "maidenname": "redacted",
    "familyname": "redacted",
    "dateofbirth": "redacted",
    "birthdate": "redacted",
    "streetaddress": "redacted",
    "addressline": "redacted",
}

_PERSON_WORDS: Final[tuple[str, ...]] = (
    "user",
    "customer",
    "contact",
    "billing",
    "shipping",
    "recipient",
    "sender",
    "cardholder",
    "holder",
    "legal",
    "real",
    "patient",
    "member",
    "buyer",
)

_METADATA_SUFFIXES: Final[tuple[str, ...]] = (
    "enabled",
    "disabled",
    "verified",
    "validated",
    "valid",
    "length",
    "count",
    "strength",
    "required",
    "visible",
    "hidden",
    "shown",
    "type",
    "format",
    "policy",
    "expiresat",
    "expiry",
    "expiration",
    "expires",
    "changedat",
    "updatedat",
    "createdat",
    "exists",
    "present",
    "provided",
    "field",
    "label",
    "placeholder",
    "status",
    "optin",
    "optout",
    "consent",
    "error",
    "errors",
)


_SUFFIX_LONGEST_FIRST: Final = sorted(_SUFFIX.items(), key=lambda item: -len(item[0]))


def normalize_key(key: str) -> str:
    """``Email-Address`` -> ``emailaddress`` (lowercase, no ``_ - .`` or spaces)."""
    return key.lower().translate(_DROP_SEPARATORS)


@lru_cache(maxsize=8192)
def sensitive_key_kind(key: str) -> str | None:
    """Placeholder kind implied by a sensitive key (``"email"``, ``"redacted"``...), else None.

    Cached: event keys repeat, so the steady-state cost is one dict lookup.
    """
    n = normalize_key(key)
    if not n:
        return None
    exact = _EXACT.get(n) or _SUFFIX.get(n) or _ANYWHERE.get(n)
    if exact is not None:
        return exact
    if n.endswith(_METADATA_SUFFIXES):
        return None
    for term, kind in _SUFFIX_LONGEST_FIRST:
        if n.endswith(term):
            return kind
    for term, kind in _ANYWHERE.items():
        if term in n:
            return kind
    if n.endswith("name") and n[:-4].endswith(_PERSON_WORDS):
        return "redacted"
    return None


def is_sensitive_key(key: str) -> bool:
    """True when values under ``key`` are personal data whatever they look like (see module doc)."""
    return sensitive_key_kind(key) is not None
