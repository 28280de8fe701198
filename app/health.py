"""``/healthz`` (the process answers) and ``/readyz`` (send it traffic; false while draining).

Readiness does not ask Redis: a Redis blip would otherwise take every replica out of the balancer
at once, although the calls that don't need Redis still work. Redis trouble shows as JSON-RPC
errors on the calls that need it, and in the logs.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.transport.streams import OpenStreams


class Health:
    """Reports the worker's draining flag, which lives with its open streams."""

    def __init__(self, streams: OpenStreams) -> None:
        self.streams = streams

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        if self.streams.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        return JSONResponse({"status": "ready"})
