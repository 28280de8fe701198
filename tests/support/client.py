"""A raw MCP client for tests: one JSON-RPC POST at a time, every reply checked against the official schema.

It speaks either era the way a conforming client would (headers, ``_meta``), and exposes everything
a test may want to assert on: the HTTP status and headers, each SSE event, and each JSON-RPC message.
Every message the server sends is validated by :mod:`tests.support.wire` before the test sees it,
so a test that only looks at ``exchange.result`` still fails on an off-schema reply. A few rules the
schema cannot express are checked here, where the request is known: response ids, one response per
request and last in its stream, progress tokens, log opt-in and SSE event ids in 2026-07-28.

::

    async with MCPTestClient(server.url, version="2026-07-28") as client:
        exchange = await client.request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})
        assert exchange.result["content"][0]["text"] == "hi"
        broken = await client.post(b"{not json", headers={"Mcp-Method": None})
        assert broken.status == 400 and broken.error["code"] == -32700
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.sse import SSEEvent, aiter_events
from tests.support.wire import MODERN_VERSION, WireViolation, validate_server_message

__all__ = [
    "CLIENT_INFO",
    "LATEST_LEGACY_VERSION",
    "MODERN_VERSION",
    "Exchange",
    "MCPTestClient",
    "SSEEvent",
    "ServerRequestHandler",
]

LATEST_LEGACY_VERSION = "2025-11-25"
CLIENT_INFO = {"name": "mcp-template-tests", "version": "0.0.0"}
DEFAULT_TIMEOUT = 10.0
ACCEPT_BOTH = "application/json, text/event-stream"
_NAME_FIELD = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "taskId",
    "tasks/update": "taskId",
    "tasks/cancel": "taskId",
}
_REFUSED_UNREAD = {401, 403, 406, 413, 415, 421}
"""Statuses a server decides from the headers alone, before reading the body: no id to echo."""
_LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")

ServerRequestHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""Answers a server-to-client request (the whole message) with a result; raising sends an error."""


@dataclass
class Exchange:
    """One POST and everything that came back."""

    request: Any
    """The body sent (a dict for well-formed messages)."""
    version: str
    """The protocol version the reply was validated against."""
    status: int
    headers: httpx.Headers
    body: bytes
    events: list[SSEEvent] = field(default_factory=list)
    """The SSE events, in order (empty for a JSON reply)."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Every JSON-RPC message received, in order, each already validated."""
    answered: list[dict[str, Any]] = field(default_factory=list)
    """The responses this client POSTed back to server-to-client requests."""

    @property
    def content_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()

    @property
    def is_sse(self) -> bool:
        return self.content_type == "text/event-stream"

    @property
    def response(self) -> dict[str, Any]:
        """The JSON-RPC response (result or error); fails the test if there is none."""
        for message in self.messages:
            if "method" not in message:
                return message
        raise AssertionError(f"no JSON-RPC response (HTTP {self.status}, {self.content_type or 'no body'}): {self}")

    @property
    def result(self) -> Any:
        response = self.response
        if "result" not in response:
            raise AssertionError(f"expected a result, got error {response.get('error')} (HTTP {self.status})")
        return response["result"]

    @property
    def error(self) -> dict[str, Any]:
        response = self.response
        if "error" not in response:
            raise AssertionError(f"expected an error, got result {response.get('result')} (HTTP {self.status})")
        error: dict[str, Any] = response["error"]
        return error

    def notifications(self, method: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages if "method" in m and "id" not in m and method in (None, m["method"])]

    @property
    def server_requests(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if "method" in m and "id" in m]

    @property
    def progress(self) -> list[dict[str, Any]]:
        """The ``params`` of each ``notifications/progress``."""
        return [m["params"] for m in self.notifications("notifications/progress")]

    @property
    def logs(self) -> list[dict[str, Any]]:
        """The ``params`` of each ``notifications/message``."""
        return [m["params"] for m in self.notifications("notifications/message")]

    def __str__(self) -> str:
        shown = self.messages or self.body.decode("utf-8", "replace")[:500]
        return f"HTTP {self.status} {self.content_type}: {shown}"


def encode_header_value(value: str) -> str:
    """``Mcp-Name`` as 2026-07-28 sends it: plain when it is safe ASCII, else ``=?base64?...?=``."""
    safe = value.isascii() and value.isprintable() and value == value.strip() and not value.startswith("=?base64?")
    return value if safe else "=?base64?" + base64.b64encode(value.encode()).decode() + "?="


class MCPTestClient:
    """Sends MCP messages to one endpoint as a client of ``version`` would, and validates the replies.

    ``headers=`` on any call is merged over the defaults; a ``None`` value removes a default header,
    which is how a test sends a request with a header missing.
    """

    def __init__(
        self,
        url: str,
        *,
        version: str = LATEST_LEGACY_VERSION,
        timeout: float = DEFAULT_TIMEOUT,
        capabilities: Mapping[str, Any] | None = None,
        log_level: str | None = None,
        on_request: ServerRequestHandler | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.version = version
        self.timeout = timeout
        self.capabilities = dict(capabilities or {})
        self.log_level = log_level
        """2026-07-28: sent as ``io.modelcontextprotocol/logLevel`` on every request (the log opt-in)."""
        self.on_request = on_request
        self._own_http = http is None
        # verify=False: the tests speak plain HTTP on loopback, and skipping the CA bundle makes a
        # client 2 ms to build instead of 70.
        self.http = http or httpx.AsyncClient(timeout=timeout, verify=False)
        self._ids = itertools.count(1)

    async def __aenter__(self) -> MCPTestClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    @property
    def modern(self) -> bool:
        return self.version == MODERN_VERSION

    # -- building messages -------------------------------------------------------------------

    def message(
        self, method: str, params: Mapping[str, Any] | None = None, *, request_id: Any = None
    ) -> dict[str, Any]:
        """A request (or, with ``request_id=None`` and a ``notifications/`` method, a notification)."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        params = dict(params or {})
        if self.modern and not method.startswith("notifications/"):
            meta = {
                "io.modelcontextprotocol/protocolVersion": self.version,
                "io.modelcontextprotocol/clientCapabilities": self.capabilities,
                "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
            }
            if self.log_level is not None:
                meta["io.modelcontextprotocol/logLevel"] = self.log_level
            params["_meta"] = {**meta, **params.get("_meta", {})}
        if params:
            body["params"] = params
        if not method.startswith("notifications/"):
            body["id"] = next(self._ids) if request_id is None else request_id
        return body

    def default_headers(self, body: Any) -> dict[str, str]:
        """What a conforming client of this era sends with ``body``."""
        headers = {"Accept": ACCEPT_BOTH, "Content-Type": "application/json"}
        method = body.get("method") if isinstance(body, dict) else None
        if method != "initialize":
            headers["MCP-Protocol-Version"] = self.version
        if self.modern and isinstance(method, str) and "id" in body:
            headers["Mcp-Method"] = method
            name_field = _NAME_FIELD.get(method)
            name = (body.get("params") or {}).get(name_field) if name_field else None
            if isinstance(name, str):
                headers["Mcp-Name"] = encode_header_value(name)
        return headers

    # -- sending -----------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_id: Any = None,
        headers: Mapping[str, str | None] | None = None,
        on_request: ServerRequestHandler | None = None,
    ) -> Exchange:
        return await self.post(
            self.message(method, params, request_id=request_id), headers=headers, on_request=on_request
        )

    async def notify(
        self, method: str, params: Mapping[str, Any] | None = None, *, headers: Mapping[str, str | None] | None = None
    ) -> Exchange:
        return await self.post(self.message(method, params), headers=headers)

    async def initialize(self) -> Exchange:
        """The handshake: ``initialize`` offering ``self.version``, then ``notifications/initialized``."""
        if self.modern:
            raise ValueError("2026-07-28 has no initialize; use server/discover")
        params = {"protocolVersion": self.version, "capabilities": self.capabilities, "clientInfo": CLIENT_INFO}
        exchange = await self.request("initialize", params)
        _ = exchange.result
        initialized = await self.notify("notifications/initialized")
        assert initialized.status == 202, f"notifications/initialized: expected 202, got {initialized}"
        return exchange

    async def post(
        self,
        body: Any,
        *,
        headers: Mapping[str, str | None] | None = None,
        on_request: ServerRequestHandler | None = None,
    ) -> Exchange:
        """POST any body (a dict or list is sent as JSON, bytes or str as they are) and validate the reply."""
        sent = {**self.default_headers(body), **(headers or {})}
        final_headers = {name: value for name, value in sent.items() if value is not None}
        content = body if isinstance(body, bytes | str) else json.dumps(body)
        handler = on_request or self.on_request
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(body, content, final_headers, handler)
        except TimeoutError:
            raise AssertionError(f"no complete reply to {_describe(body)} within {self.timeout:g} s") from None

    async def _exchange(
        self, body: Any, content: bytes | str, headers: dict[str, str], handler: ServerRequestHandler | None
    ) -> Exchange:
        async with self.http.stream("POST", self.url, content=content, headers=headers) as response:
            exchange = Exchange(body, self.version, response.status_code, response.headers, b"")
            if exchange.is_sse:
                lines: list[str] = []
                async for event in aiter_events(_recorded(response.aiter_lines(), lines)):
                    exchange.events.append(event)
                    if event.data.strip():
                        message = self._accept(exchange, _parse(event.data, exchange))
                        if "method" in message and "id" in message:
                            await self._answer(exchange, message, handler)
                exchange.body = "\n".join(lines).encode()
            else:
                exchange.body = await response.aread()
                if exchange.body:
                    if exchange.content_type != "application/json":
                        raise WireViolation(
                            f"a reply body must be JSON or SSE, got {exchange.content_type!r}: {exchange}"
                        )
                    self._accept(exchange, _parse(exchange.body.decode(), exchange))
        self._check_exchange(exchange)
        return exchange

    def _accept(self, exchange: Exchange, message: Any) -> dict[str, Any]:
        """Validate one received message against the schema and this request, then keep it."""
        method = exchange.request.get("method") if isinstance(exchange.request, dict) else None
        if not isinstance(message, dict):
            raise WireViolation(f"every message must be one JSON object (no batches): {message!r}")
        validate_server_message(self.version, str(method), message)
        exchange.messages.append(message)
        return message

    def _check_exchange(self, exchange: Exchange) -> None:
        """The rules that need the request: ids, ordering, progress tokens, log opt-in, event ids."""
        request = exchange.request if isinstance(exchange.request, dict) else {}
        responses = [m for m in exchange.messages if "method" not in m]
        if len(responses) > 1:
            raise WireViolation(f"one request got {len(responses)} responses: {exchange}")
        if responses:
            if exchange.messages[-1] is not responses[0]:
                raise WireViolation(f"messages after the response: {exchange}")
            sent_id = request.get("id")
            expected = sent_id if type(sent_id) in (str, int) else None
            unread = exchange.status in _REFUSED_UNREAD and "id" not in responses[0]
            if responses[0].get("id") != expected and not unread:
                raise WireViolation(
                    f"response id {responses[0].get('id')!r} is not the request's {expected!r}: {exchange}"
                )
        params = request.get("params")
        meta = (params.get("_meta") if isinstance(params, dict) else None) or {}
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        for params in exchange.progress:
            if token is None or params["progressToken"] != token:
                raise WireViolation(
                    f"progress for token {params['progressToken']!r}, request sent {token!r}: {exchange}"
                )
        if self.modern:
            self._check_modern(exchange, meta if isinstance(meta, dict) else {})

    @staticmethod
    def _check_modern(exchange: Exchange, meta: dict[str, Any]) -> None:
        opted_in = meta.get("io.modelcontextprotocol/logLevel")
        for params in exchange.logs:
            if opted_in not in _LOG_LEVELS:
                raise WireViolation(f"2026-07-28: log message without the request's logLevel opt-in: {exchange}")
            if _LOG_LEVELS.index(params["level"]) < _LOG_LEVELS.index(opted_in):
                raise WireViolation(f"2026-07-28: {params['level']} log below the requested {opted_in}: {exchange}")
        if any(event.id is not None for event in exchange.events):
            raise WireViolation(f"2026-07-28 has no resumability: SSE events must not carry ids: {exchange.events}")

    async def _answer(self, exchange: Exchange, request: dict[str, Any], handler: ServerRequestHandler | None) -> None:
        """POST the client's answer to a server-to-client request, as a separate message (202 expected)."""
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
        if handler is None:
            answer["error"] = {"code": -32601, "message": f"this test client does not handle {request['method']}"}
        else:
            try:
                answer["result"] = await handler(request)
            except Exception as exc:
                answer["error"] = {"code": -32603, "message": f"{type(exc).__name__}: {exc}"}
        headers = {"Accept": ACCEPT_BOTH, "Content-Type": "application/json", "MCP-Protocol-Version": self.version}
        reply = await self.http.post(self.url, content=json.dumps(answer), headers=headers)
        if reply.status_code != 202:
            raise AssertionError(f"answer to {request['method']}: expected 202, got {reply.status_code} {reply.text}")
        exchange.answered.append(answer)


async def _recorded(lines: AsyncIterable[str], into: list[str]) -> AsyncIterator[str]:
    """Pass ``lines`` on, keeping each: the exchange's body is rebuilt from them."""
    async for line in lines:
        into.append(line)
        yield line


def _parse(text: str, exchange: Exchange) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise WireViolation(f"not JSON: {text[:300]!r} in {exchange}") from None


def _describe(body: Any) -> str:
    if isinstance(body, dict):
        return f"{body.get('method', 'a response')} (id {body.get('id')!r})"
    return f"a {type(body).__name__} body"
