"""Telemetry through real exporters and receivers."""

from __future__ import annotations

import httpx


def traced_echo(
    http: httpx.Client, url: str, traceparent: str, *, request_id: int = 1, text: str = "x", **headers: str
) -> httpx.Response:
    """A 2025-06-18 ``tools/call`` of ``echo`` whose caller's span is ``traceparent``."""
    return http.post(
        url,
        json={
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": text}},
        },
        headers={
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-06-18",
            "traceparent": traceparent,
            **headers,
        },
    )
