"""A wiretap for clients we did not write: validate every message the server sends them.

The ``mcp`` SDK and ``fastmcp`` clients do their HTTP through ``httpx2``; give them an
``httpx2.AsyncClient`` whose transport is a :class:`WireTap`, and each reply body is read as it
passes (JSON or SSE), split into JSON-RPC messages and checked by :mod:`tests.support.wire` against
the era of the request that caused it. The client sees the bytes unchanged. Violations are collected,
not raised (the client would swallow them); a test asserts ``tap.violations == []`` at its end, and
``tap.checked`` shows the tap actually saw traffic.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2

from tests.support.sse import parse_events
from tests.support.wire import LEGACY_VERSIONS, WireViolation, validate_server_message

HEADERLESS_VERSION = "2025-03-26"
"""What a request without ``MCP-Protocol-Version`` is served as."""


def request_version(sent: dict[str, Any], header: str | None) -> str:
    """The era to judge the reply by: the version header, or for ``initialize`` (sent without one)
    the version it offers, when that is a handshake-era version a server may echo."""
    if header:
        return header
    offered = (sent.get("params") or {}).get("protocolVersion")
    if sent.get("method") == "initialize" and offered in LEGACY_VERSIONS:
        return str(offered)
    return HEADERLESS_VERSION


def split_messages(content_type: str, body: bytes) -> list[Any]:
    text = body.decode("utf-8")
    if content_type.startswith("application/json"):
        return [json.loads(text)] if text.strip() else []
    if content_type.startswith("text/event-stream"):
        return [message for event in parse_events(text) if (message := event.message) is not None]
    return []


class Tally:
    """What a validating observer saw: messages checked per protocol version, and violations, which
    are recorded rather than raised (the client in between would swallow them)."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.checked: dict[str, int] = {}
        """Protocol version -> number of messages validated."""

    def check(self, version: str, method: str, content_type: str, body: bytes) -> None:
        try:
            for message in split_messages(content_type, body):
                validate_server_message(version, method, message)
                self.checked[version] = self.checked.get(version, 0) + 1
        except (WireViolation, ValueError) as exc:
            self.violations.append(f"{method} ({version}): {exc}")


class _TappedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, done: Callable[[bytes], None]) -> None:
        self._inner = inner
        self._done = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = []
        finished = False
        try:
            async for chunk in self._inner:
                chunks.append(chunk)
                yield chunk
            finished = True
        finally:
            body = b"".join(chunks)
            if not finished:  # the client stopped reading early: check the events that arrived whole
                body = body.replace(b"\r\n", b"\n")
                body = body[: body.rfind(b"\n\n") + 2] if b"\n\n" in body else b""
            self._done(body)

    async def aclose(self) -> None:
        await self._inner.aclose()


class WireTap(Tally, httpx2.AsyncBaseTransport):
    """An ``httpx2`` transport that validates each MCP reply on its way to the client."""

    def __init__(self) -> None:
        super().__init__()
        self._inner = httpx2.AsyncHTTPTransport(verify=False)  # loopback HTTP only; no CA bundle to load

    def client(self, **kwargs: Any) -> httpx2.AsyncClient:
        kwargs.setdefault("timeout", httpx2.Timeout(10.0, read=30.0))
        return httpx2.AsyncClient(transport=self, **kwargs)

    def factory(self, **kwargs: Any) -> httpx2.AsyncClient:
        """For fastmcp's ``httpx_client_factory``."""
        return self.client(**kwargs)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if request.method != "POST":
            return response
        try:
            sent = json.loads(request.content)
        except (ValueError, httpx2.RequestNotRead):
            return response
        if not isinstance(sent, dict) or "method" not in sent or "id" not in sent:
            return response
        method = sent["method"]
        version = request_version(sent, request.headers.get("mcp-protocol-version"))
        content_type = response.headers.get("content-type", "")
        check = functools.partial(self.check, version, method, content_type)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_TappedStream(response.stream, check),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
