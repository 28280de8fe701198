"""A validating reverse proxy, for clients whose HTTP we cannot hook (node programs: the TS SDK, the Inspector).

The client talks to the proxy's loopback URL; each POST is forwarded unchanged to the real server,
and the reply is streamed back chunk by chunk (so server-to-client requests still work mid-stream)
while a copy is validated by :mod:`tests.support.wire` against the era of the request. Like
:class:`~tests.support.tap.WireTap`, violations are collected for the test to assert on.

It runs uvicorn on its own thread and event loop (off the main thread, uvicorn installs no signal
handlers), so it never touches the test's loop or signals.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

from tests.support.servers import free_port
from tests.support.tap import Tally, request_version

_HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"upgrade"}


class ValidatingProxy(Tally):
    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self._http: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        """The MCP endpoint as the client should see it."""
        return f"http://127.0.0.1:{self.port}/mcp"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            if self._http is not None:
                await self._http.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=60.0), verify=False)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
        request = self._http.build_request(scope["method"], self.upstream, headers=headers, content=body)
        response = await self._http.send(request, stream=True)
        try:
            out = [(k, v) for k, v in response.headers.raw if k.lower() not in _HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            chunks = []
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()
        if scope["method"] == "POST":
            self._check(body, dict(scope["headers"]), response.headers.get("content-type", ""), b"".join(chunks))

    def _check(self, sent_body: bytes, headers: dict[bytes, bytes], content_type: str, reply: bytes) -> None:
        try:
            sent: Any = json.loads(sent_body)
        except ValueError:
            return
        if not isinstance(sent, dict) or "method" not in sent or "id" not in sent:
            return
        method = sent["method"]
        header = headers.get(b"mcp-protocol-version")
        version = request_version(sent, header.decode("latin-1") if header else None)
        self.check(version, method, content_type, reply)


@contextmanager
def validating_proxy(upstream: str, *, timeout: float = 10.0) -> Iterator[ValidatingProxy]:
    """Run a :class:`ValidatingProxy` in front of ``upstream`` (the server's MCP URL) for the block."""
    proxy = ValidatingProxy(upstream)
    config = uvicorn.Config(proxy, host="127.0.0.1", port=proxy.port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="validating-proxy", daemon=True)
    thread.start()
    try:
        for _ in range(int(timeout / 0.02)):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.02)
        if not server.started:
            raise RuntimeError(f"the validating proxy did not start within {timeout:g} s")
        yield proxy
    finally:
        server.should_exit = True
        thread.join(timeout)
