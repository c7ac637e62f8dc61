"""SDK batching, bounded queue and retries against an in-process fake transport (no network)."""

from __future__ import annotations

import threading

import httpx
import orjson

from producers.sdk import Client


class Recorder:
    """An httpx transport answering from a script of statuses (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.bodies: list[dict[str, object]] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            doc = orjson.loads(request.content)
            self.bodies.append(doc)
            status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            return httpx.Response(200, json={"accepted": len(doc["batch"]), "rejected": []})
        return httpx.Response(status, headers={"Retry-After": "0"}, json={"error": "x"})


def client(recorder: Recorder, **kwargs: object) -> Client:
    return Client("ilw_k", "http://bridge.invalid", transport=httpx.MockTransport(recorder),
                  backoff_base_s=0.01, **kwargs)  # type: ignore[arg-type]


def test_batches_by_count_and_envelope_mapping() -> None:
    recorder = Recorder()
    sdk = client(recorder, batch_size=5, flush_interval_s=60.0)
    for i in range(10):
        sdk.track("PERFUME_VIEW", perfume_id=f"p{i}", session_id="s", anonymous_id="a", rating=4)
    assert sdk.flush(10)
    sdk.close()
    assert [len(b["batch"]) for b in recorder.bodies] == [5, 5]  # type: ignore[arg-type]
    event = recorder.bodies[0]["batch"][0]  # type: ignore[index]
    assert event["perfumeId"] == "p0" and event["eventData"] == {"rating": 4}
    assert "sentAt" in recorder.bodies[0]
    assert sdk.stats.accepted == 10


def test_retries_5xx_and_429_then_delivers() -> None:
    recorder = Recorder([503, 429, 500])
    sdk = client(recorder, batch_size=3)
    for _ in range(3):
        sdk.track("PAGE_VIEW", path="/")
    assert sdk.flush(10)
    sdk.close()
    assert len(recorder.bodies) == 4 and sdk.stats.retries == 3 and sdk.stats.accepted == 3


def test_other_4xx_drops_the_batch() -> None:
    recorder = Recorder([400])
    sdk = client(recorder, batch_size=2)
    sdk.track("PAGE_VIEW", path="/")
    sdk.track("PAGE_VIEW", path="/")
    assert sdk.flush(10)
    sdk.close()
    assert sdk.stats.dropped_client_error == 2 and sdk.stats.accepted == 0 and len(recorder.bodies) == 1


def test_full_queue_drops_the_oldest() -> None:
    gate = threading.Event()
    recorder = Recorder()

    def slow(request: httpx.Request) -> httpx.Response:
        gate.wait(10)
        return recorder(request)

    sdk = Client("ilw_k", "http://bridge.invalid", transport=httpx.MockTransport(slow), batch_size=1,
                 max_queue_events=3)
    ids = [sdk.track("PAGE_VIEW", path=f"/{i}") for i in range(10)]
    gate.set()
    assert sdk.flush(10)
    sdk.close()
    sent = [e["eventId"] for b in recorder.bodies for e in b["batch"]]  # type: ignore[attr-defined]
    # at most one batch in flight plus the 3 queued survive; the newest are never the ones dropped
    assert sdk.stats.dropped_queue_full >= 6
    assert len(sent) + sdk.stats.dropped_queue_full == 10
    assert ids[-3:] == sent[-3:]


def test_identify_and_time_based_flush() -> None:
    recorder = Recorder()
    sdk = client(recorder, batch_size=100, flush_interval_s=0.05)
    sdk.identify("user-7")
    sdk.track("PAGE_VIEW", path="/")
    assert sdk.flush(10)
    sdk.close()
    assert recorder.bodies[0]["batch"][0]["userId"] == "user-7"  # type: ignore[index]
