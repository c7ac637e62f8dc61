"""The HTTP-to-Kafka ingestion bridge (``interlog bridge``; contract in DESIGN "HTTP ingestion API").

Pure parts: :mod:`envelope` (body and event checks, stamping), :mod:`decoding` (size-capped gzip),
:mod:`auth` (key extraction, TTL cache), :mod:`ratelimit`, :mod:`cors`, :mod:`openapi`.
I/O at the edges: :mod:`keydirectory` (Postgres), :mod:`kafka_sink` (Kafka), :mod:`app` (ASGI),
:mod:`server` (uvicorn process).
"""
