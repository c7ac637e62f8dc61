"""Size-capped body decoding, gzip included (pure)."""

from __future__ import annotations

import gzip

import pytest

from producers.bridge.decoding import BodyDecoder
from producers.bridge.exceptions import BadRequest, PayloadTooLarge, UnsupportedMediaType


def decode(encoding: str, body: bytes, cap: int, chunk: int = 4096) -> bytes:
    decoder = BodyDecoder(encoding, cap)
    for i in range(0, len(body), chunk):
        decoder.feed(body[i:i + chunk])
    return decoder.finish()


def test_identity_and_gzip_round_trip() -> None:
    body = b'{"batch": []}' * 100
    assert decode("", body, 10_000) == body
    assert decode("gzip", gzip.compress(body), 10_000, chunk=7) == body


def test_identity_over_the_cap() -> None:
    with pytest.raises(PayloadTooLarge):
        decode("identity", b"x" * 1001, 1000)
    assert decode("identity", b"x" * 1000, 1000) == b"x" * 1000


def test_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    decoder = BodyDecoder("gzip", 512 * 1024)
    with pytest.raises(PayloadTooLarge):
        for i in range(0, len(bomb), 65536):
            decoder.feed(bomb[i:i + 65536])
    assert decoder._size <= 512 * 1024 + 1


def test_gzip_exactly_at_the_cap_passes() -> None:
    assert len(decode("gzip", gzip.compress(b"a" * 1000), 1000)) == 1000
    with pytest.raises(PayloadTooLarge):
        decode("gzip", gzip.compress(b"a" * 1001), 1000)


@pytest.mark.parametrize(
    "body", [b"not gzip at all", gzip.compress(b"abc")[:-5], gzip.compress(b"a") + b"junk"]
)
def test_broken_gzip_is_400(body: bytes) -> None:
    with pytest.raises(BadRequest):
        decode("gzip", body, 1000)


def test_unknown_encoding_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        BodyDecoder("br", 1000)
