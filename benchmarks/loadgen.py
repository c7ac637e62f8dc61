"""A lean HTTP/1.1 keep-alive load generator on asyncio streams, for the bridge benchmark.

A general-purpose client (httpx) spends more CPU per request than the bridge itself on a 2-core
machine, which would measure the client. This one writes a pre-built request and reads the status
line, the headers and a ``Content-Length`` body: just enough HTTP for a server we control.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """Outcome of one load run: request latencies (s) of 200 answers and counts by status."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def ok_requests(self) -> int:
        return self.statuses.get(200, 0)


def build_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of one ``POST`` request with a ``Content-Length`` body."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _client(host: str, port: int, requests: Sequence[bytes], deadline: float,
                  interval_s: float, phase_s: float, result: LoadResult) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        i = 0
        next_at = time.perf_counter() + phase_s
        while time.perf_counter() < deadline:
            if interval_s:
                next_at += interval_s
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await _exchange(reader, writer, requests[i % len(requests)], result)
            i += 1
    finally:
        writer.close()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes,
                    result: LoadResult) -> None:
    """Send one request, read its answer, record its status (and latency if 200)."""
    started = time.perf_counter()
    writer.write(request)
    status = await _read_response(reader)
    if status == 200:
        result.latencies_s.append(time.perf_counter() - started)
    result.statuses[status] = result.statuses.get(status, 0) + 1


async def run_load(host: str, port: int, requests: Sequence[bytes], clients: int, duration_s: float,
                   rate_per_client: float = 0.0) -> LoadResult:
    """Send ``requests`` round-robin from ``clients`` keep-alive connections for ``duration_s``.

    ``rate_per_client`` (requests/s, 0 = as fast as answered) paces each connection, for latency
    figures at a given load instead of at saturation.
    """
    result = LoadResult()
    started = time.perf_counter()
    deadline = started + duration_s
    interval = 1.0 / rate_per_client if rate_per_client > 0 else 0.0
    # Paced connections start evenly spread over one interval, so arrivals are not synchronized.
    await asyncio.gather(*(
        _client(host, port, requests, deadline, interval, interval * n / clients, result)
        for n in range(clients)
    ))
    result.elapsed_s = time.perf_counter() - started
    return result


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


async def send_all(host: str, port: int, requests: Sequence[bytes], clients: int) -> LoadResult:
    """Send every one of ``requests`` exactly once, spread over ``clients`` keep-alive connections."""
    result = LoadResult()
    pending = iter(requests)

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in pending:
                await _exchange(reader, writer, request, result)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    result.elapsed_s = time.perf_counter() - started
    return result
