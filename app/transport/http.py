"""The MCP endpoint (Streamable HTTP): one pure-ASGI callable for every protocol era.

A POST is read and parsed once, classified by era from its headers and ``_meta``, checked, and handed
to the engine. Everything that can end in a 4xx is decided before the first byte of a reply is sent.
The reply is one JSON body unless the call emits a notification (progress, a log message) or stays
silent past the keep-alive interval: then it becomes an SSE stream that the final response ends.
No per-client state is kept between requests, so any worker of any replica can answer any request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from app.events.store import StoreError
from app.protocol.dispatch import Engine
from app.protocol.errors import (
    InternalError,
    InvalidRequest,
    ParseError,
)
from app.protocol.messages import Kind, classify, error_response, request_id_of
from app.protocol.versions import (
    Era,
    at_least,
)
from app.security import AllowList
from app.transport.checks import Rejection, accepts, check_modern, classify_era
from app.transport.reply import Reply, ReplyOptions
from app.transport.resume import ResumeRejected, resume

_JSON = b"application/json"
_SSE = b"text/event-stream"
RESUMABLE_SINCE = "2025-11-25"
"""Older clients choke on the priming event's empty data, so only these streams get event ids."""
_MODERN_STATUS = {-32700: 400, -32600: 400, -32601: 404, -32602: 400, -32020: 400, -32021: 400, -32022: 400}


class MCPEndpoint:
    """The ASGI app mounted at the MCP path (``/mcp`` by default)."""

    def __init__(
        self,
        engine: Engine,
        *,
        allowed_hosts: AllowList | None,
        allowed_origins: AllowList,
        max_body_size: int,
        json_response: bool,
        replies: ReplyOptions,
    ) -> None:
        self.engine = engine
        self.allowed_hosts = allowed_hosts
        self.allowed_origins = allowed_origins
        self.max_body_size = max_body_size
        self.json_response = json_response
        self.replies = replies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["method"] == "POST":
                await self._post(scope, receive, send)
            else:
                await self._other(scope, receive, send)
        except Rejection as rejection:
            await _reject(send, rejection)

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET`` with ``Last-Event-ID`` resumes a stream; anything else is 405 (no session, no GET stream)."""
        last_event_id = None
        for name, value in scope["headers"]:
            self._check_caller(name, value)
            if name == b"last-event-id":
                last_event_id = value
        if scope["method"] != "GET" or last_event_id is None:
            await _respond(send, 405, b"", [(b"allow", b"GET, POST")])
            return
        try:
            await resume(last_event_id, self.replies, receive, send)
        except ResumeRejected as rejected:
            raise Rejection(rejected.status, rejected.error) from None

    def _check_caller(self, name: bytes, value: bytes) -> None:
        """The DNS-rebinding guard: a browser page on another site must not reach a local server."""
        if name == b"host":
            if self.allowed_hosts is not None and not self.allowed_hosts.allows(value):
                raise Rejection(421, InvalidRequest("Host not allowed"))
        elif name == b"origin" and not self.allowed_origins.allows(value):
            raise Rejection(403, InvalidRequest("Origin not allowed"))

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = content_type = version = mcp_method = mcp_name = None
        duplicated = False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name == b"mcp-protocol-version":
                duplicated |= version is not None
                version = value
            elif name == b"mcp-method":
                duplicated |= mcp_method is not None
                mcp_method = value
            elif name == b"mcp-name":
                duplicated |= mcp_name is not None
                mcp_name = value
            elif name == b"content-length" and value.isdigit() and int(value) > self.max_body_size:
                raise Rejection(413, InvalidRequest("Request body too large"))
            elif name == b"host" or name == b"origin":
                self._check_caller(name, value)

        stream_ok = not self.json_response and accepts(accept, _SSE)
        if not accepts(accept, _JSON) or not (self.json_response or stream_ok):
            raise Rejection(406, InvalidRequest("Accept must list application/json and text/event-stream"))
        if content_type is None or not content_type.lower().startswith(_JSON):
            raise Rejection(415, InvalidRequest("Content-Type must be application/json"))

        body = await self._read_body(receive)
        try:
            message = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise Rejection(400, ParseError("Parse error: the body is not valid JSON")) from None
        try:
            kind = classify(message)
        except InvalidRequest as exc:
            raise Rejection(400, exc, request_id=request_id_of(message)) from None

        params = message.get("params") or {}
        era, protocol_version = classify_era(version, params, message.get("id"), duplicated)
        if kind is Kind.RESPONSE:
            await self._deliver(message, era)
        if kind is not Kind.REQUEST:
            await _respond(send, 202, b"")
            return

        request_id = message["id"]
        method = message["method"]
        if era is Era.MODERN:
            check_modern(params, method, mcp_method, mcp_name, request_id)
        await self._answer(message, params, era, protocol_version, send, receive if stream_ok else None)

    async def _answer(
        self,
        message: dict[str, Any],
        params: dict[str, Any],
        era: Era,
        protocol_version: str,
        send: Send,
        receive: Receive | None,
    ) -> None:
        """Run a checked request and reply: JSON, or SSE once the call streams (only when ``receive`` is
        given, that is when the client accepts SSE)."""
        reply = None
        if receive is not None:
            resumable = era is Era.LEGACY and at_least(protocol_version, RESUMABLE_SINCE)
            reply = Reply(send, receive, self.replies, message["id"], resumable=resumable, modern=era is Era.MODERN)
        ctx = self.engine.context(message, params, era, protocol_version, reply.emit if reply else None)
        if reply is not None and era is Era.LEGACY:
            ctx.bind_requests(reply.request)
        try:
            response = await self.engine.answer(params, ctx)
        except asyncio.CancelledError:
            if reply is None or not reply.client_gone:
                raise
            reply.task.uncancel()  # type: ignore[union-attr]
            reply.finish()
            return
        if reply is not None and reply.finish():
            await reply.write(orjson.dumps(response), final=True)
        else:
            await _respond_json(send, _status(response, era), response)

    async def _deliver(self, message: dict[str, Any], era: Era) -> None:
        """A client's answer to a server-to-client request: hand it to the call waiting for it."""
        request_id = request_id_of(message)
        if era is Era.MODERN:
            raise Rejection(400, InvalidRequest("2026-07-28 clients must not send responses"), era, request_id)
        try:
            delivered = isinstance(request_id, str) and await self.replies.store.deliver(request_id, message)
        except StoreError as exc:
            raise Rejection(503, InternalError(f"Cannot deliver the response now: {exc}"), era, request_id) from None
        if not delivered:
            refused = InvalidRequest(f"No request {request_id!r} is waiting for a response")
            raise Rejection(400, refused, era, request_id)

    async def _read_body(self, receive: Receive) -> bytes:
        message = await receive()
        body: bytes = message.get("body", b"")
        if message.get("more_body", False):
            chunks = [body]
            size = len(body)
            while message.get("more_body", False):
                message = await receive()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body_size:
                    raise Rejection(413, InvalidRequest("Request body too large"))
                chunks.append(chunk)
            body = b"".join(chunks)
        if len(body) > self.max_body_size:
            raise Rejection(413, InvalidRequest("Request body too large"))
        return body


_JSON_HEADERS = [(b"content-type", b"application/json")]


def _status(response: dict[str, Any], era: Era) -> int:
    """2026-07-28 gives errors HTTP statuses; handshake-era clients expect 200 for handler errors.
    Nothing has been sent when this is asked, so an unknown method can still be a 404."""
    error = response.get("error") if era is Era.MODERN else None
    return 200 if error is None else _MODERN_STATUS.get(error["code"], 200)


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    head = [(b"content-length", str(len(body)).encode()), *(headers or ())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def _respond_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _reject(send: Send, rejection: Rejection) -> None:
    if rejection.error is None:
        await _respond(send, rejection.status, b"")
    else:
        await _respond_json(
            send, rejection.status, error_response(rejection.request_id, rejection.error, rejection.era)
        )
