"""Through the real nginx config (infra/nginx) in front of gunicorn: streams are not buffered, a
call that is silent for longer than nginx's default 60s read timeout completes, and every MCP
header reaches the app."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from infra.sim import Rig
from tests.support.sse import iter_events

HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}
SILENCE = 65.0
"""Longer than nginx's default proxy_read_timeout (60s), which the config must raise."""


@dataclass
class Received:
    """One JSON-RPC message of a reply, and when it arrived (seconds after the request was sent)."""

    at: float
    message: dict[str, Any]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    # Keep-alives off in practice (longer than any call here): the silent call then sends no
    # byte at all for SILENCE seconds, so only nginx's own timeouts decide whether it survives.
    env = {"FASTMCP_EVENT_STORE": "memory", "FASTMCP_SSE_KEEPALIVE_SECONDS": "600"}
    with Rig(instances=1, workers=1, server="tests.deploy.slow_tools:server", env=env) as rig:
        yield rig


def call(rig: Rig, tool: str, arguments: dict[str, Any], timeout: float) -> tuple[httpx.Response, list[Received]]:
    """POST tools/call with a progress token; collect the reply's messages as they arrive."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": {"progressToken": "t1"}},
    }
    with httpx.Client(timeout=httpx.Timeout(10, read=timeout)) as client:
        sent = time.monotonic()
        with client.stream("POST", rig.url, json=body, headers=HEADERS) as response:
            if response.headers["content-type"].startswith("application/json"):
                return response, [Received(time.monotonic() - sent, json.loads(response.read()))]
            # Each event is timed as the parser completes it, so buffering on the way would show.
            return response, [
                Received(time.monotonic() - sent, message)
                for event in iter_events(response)
                if (message := event.message) is not None
            ]


def test_progress_reaches_the_client_while_the_tool_runs(rig: Rig) -> None:
    steps = 4
    response, received = call(rig, "ticker", {"steps": steps}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    progress = [r for r in received if r.message.get("method") == "notifications/progress"]
    final = received[-1]
    assert [r.message["params"]["progress"] for r in progress] == list(range(1, steps + 1))
    assert final.message["id"] == 1 and final.message["result"]["content"][0]["text"] == "done"
    # The tool reports, then sleeps a second, `steps` times: buffered, every event would arrive
    # together at the end.
    assert final.at >= steps - 0.5
    assert progress[0].at < 1.5, f"first progress after {progress[0].at:.2f}s"
    assert final.at - progress[0].at >= steps - 1.5
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(progress)]
    assert all(gap > 0.5 for gap in gaps), gaps


def test_a_call_silent_for_longer_than_nginxs_default_timeout_completes(rig: Rig) -> None:
    response, received = call(rig, "silent", {"seconds": SILENCE}, timeout=SILENCE + 30)
    assert response.status_code == 200
    ((at, message),) = [(r.at, r.message) for r in received]
    assert at >= SILENCE, f"the reply came after {at:.1f}s, before the tool could finish"
    assert message["id"] == 1 and message["result"]["content"][0]["text"] == "done"


def test_every_mcp_header_reaches_the_app() -> None:
    sent = {
        **HEADERS,
        "Mcp-Session-Id": "session-1",
        "Last-Event-ID": "stream-1:42",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "ticker",
        "Authorization": "Bearer token-1",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }
    with Rig(instances=1, workers=1, asgi_app="tests.deploy.header_echo:app") as rig:
        response = httpx.post(rig.url, content=b"{}", headers=sent, timeout=10)
    received = response.json()
    for name, value in sent.items():
        assert received.get(name.lower()) == value, name
    assert received["host"] == "127.0.0.1", "Host must be the client's (without port: $host)"
    assert received["x-forwarded-proto"] == "http"
    assert received["x-forwarded-for"] == "127.0.0.1"
    # An empty Connection header is not sent: the upstream connection stays open for reuse.
    assert "connection" not in received, received["connection"]
