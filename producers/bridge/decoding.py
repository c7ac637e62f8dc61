"""Request bodies read chunk by chunk with the size cap enforced while streaming.

A gzip body is inflated incrementally with ``max_length``, so a gzip bomb stops at the cap
(413) after inflating at most the cap plus one byte, never the whole bomb.
"""

from __future__ import annotations

import zlib

from producers.bridge.exceptions import BadRequest, PayloadTooLarge, UnsupportedMediaType

# Incompressible data grows a little when gzipped: allow that much over the cap on the wire.
GZIP_SLACK_BYTES = 64 * 1024


class BodyDecoder:
    """Accumulates a body (``identity`` or ``gzip``) up to ``max_bytes`` decoded bytes."""

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        encoding = content_encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            raise UnsupportedMediaType(f"Content-Encoding {content_encoding!r} is not supported")
        self._max = max_bytes
        self._wire_bytes = 0
        self._size = 0
        self._parts: list[bytes] = []

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"body exceeds {self._max} bytes")

    def feed(self, chunk: bytes) -> None:
        """Add the next chunk of the body as received; raises 413 past the cap, 400 for bad gzip."""
        if not chunk:
            return
        self._wire_bytes += len(chunk)
        if self._inflater is None:
            self._size += len(chunk)
            if self._size > self._max:
                raise self._too_large()
            self._parts.append(chunk)
            return
        if self._wire_bytes > self._max + GZIP_SLACK_BYTES:
            raise self._too_large()
        if self._inflater.eof:
            raise BadRequest("data after the end of the gzip stream")
        try:
            out = self._inflater.decompress(chunk, self._max - self._size + 1)
        except zlib.error as exc:
            raise BadRequest(f"invalid gzip body: {exc}") from None
        self._size += len(out)
        if self._size > self._max or self._inflater.unconsumed_tail:
            raise self._too_large()
        self._parts.append(out)

    def finish(self) -> bytes:
        """The whole decoded body; raises 400 for a truncated gzip stream."""
        if self._inflater is not None:
            if not self._inflater.eof:
                raise BadRequest("truncated gzip body")
            if self._inflater.unused_data:
                raise BadRequest("data after the end of the gzip stream")
        return b"".join(self._parts)
