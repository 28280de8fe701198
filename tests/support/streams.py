"""A 2025-11-25 client of resumable streams, in plain httpx: the request, the reconnection with
``Last-Event-ID``, and what the events of a call add up to. The scale-out tests read raw SSE with it,
where a cut connection or a draining worker must stay visible to the test."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.sse import SSEEvent, iter_events

LEGACY = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}
"""The headers of a 2025-11-25 client, the last era that can resume a stream."""


def call(name: str, arguments: dict[str, Any], request_id: int = 1, progress: bool = True) -> dict[str, Any]:
    """A ``tools/call`` request; with ``progress`` it asks for progress, which makes the reply stream."""
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    if progress:
        params["_meta"] = {"progressToken": f"p{request_id}"}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def resume(client: httpx.Client, url: str, last_event_id: str, attempts: int = 10) -> list[SSEEvent]:
    """Reconnect with ``Last-Event-ID`` until the final response, as a 2025-11-25 client does: a
    reconnection may land on a draining worker, which sends ``retry`` and closes again."""
    events: list[SSEEvent] = []
    for _ in range(attempts):
        headers = {**LEGACY, "Last-Event-ID": last_event_id}
        with client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200, response.read()
            batch = list(iter_events(response))
        events += batch
        if finals(batch):
            return events
        last_event_id = next((e.id for e in reversed(batch) if e.id), last_event_id)
        time.sleep(0.1)
    raise AssertionError(f"no final response after {attempts} reconnections: {events}")


def progress_of(events: list[SSEEvent]) -> list[float]:
    """The ``progress`` of each progress notification, in order."""
    return [
        e.message["params"]["progress"]
        for e in events
        if e.message and e.message.get("method") == "notifications/progress"
    ]


def finals(events: list[SSEEvent]) -> list[dict[str, Any]]:
    """The responses (results or errors) among ``events``: a call's stream ends with one."""
    return [e.message for e in events if e.message and "id" in e.message and "method" not in e.message]


def result_of(events: list[SSEEvent]) -> dict[str, Any]:
    """The one final response (result or error); fails the test unless there is exactly one."""
    ended = finals(events)
    assert len(ended) == 1, f"expected one final response, got {ended}"
    return ended[0]


def last_id(events: list[SSEEvent]) -> str:
    """The id to resume from: the last one the stream carried."""
    ids = [e.id for e in events if e.id]
    assert ids, "the stream carried no event ids"
    return ids[-1]
