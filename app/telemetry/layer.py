"""Counting what the server refuses before any handler runs: bad headers, bodies, tokens, origins.

A layer in front of everything else (authentication included), so a 401 is counted like a 406. It
reads only the status and, for an error body, the JSON-RPC code; requests a handler answered are
marked by the endpoint (:data:`ANSWERED`) and measured by the observer instead.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.layers import Layer
from app.telemetry.observer import ANSWERED, ServerMetrics


def _error_code(body: bytes) -> str | None:
    try:
        code = orjson.loads(body)["error"]["code"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return str(code) if isinstance(code, int) else None


def refusals_layer(metrics: ServerMetrics) -> Layer:
    def layer(app: ASGIApp) -> ASGIApp:
        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            status = 0

            async def watched(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"] if message["status"] >= 400 and not scope.get(ANSWERED) else 0
                elif status and message["type"] == "http.response.body":
                    code: Any = _error_code(message.get("body", b"")) or str(status)
                    metrics.refused.add((code, status))
                    status = 0
                await send(message)

            await app(scope, receive, watched)

        return counted

    return layer
