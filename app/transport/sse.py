"""Server-Sent Events framing: pre-built headers and byte-level event builders (one write each)."""

from __future__ import annotations

HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]
"""``X-Accel-Buffering: no`` makes nginx pass each event on at once, even with buffering on."""

KEEPALIVE = b": keep-alive\n\n"
"""A comment line: clients ignore it, proxies see traffic and keep the connection open."""


def event(data: bytes, event_id: str | None = None) -> bytes:
    if event_id is None:
        return b"event: message\ndata: " + data + b"\n\n"
    return b"id: " + event_id.encode() + b"\nevent: message\ndata: " + data + b"\n\n"


def priming(event_id: str, retry_ms: int) -> bytes:
    """The first event of a resumable stream (2025-11-25): an id to resume from, and no data."""
    return b"id: " + event_id.encode() + b"\nretry: " + str(retry_ms).encode() + b"\ndata: \n\n"


def retry(retry_ms: int) -> bytes:
    """Sent just before the server closes a stream it means the client to resume."""
    return b"retry: " + str(retry_ms).encode() + b"\n\n"
