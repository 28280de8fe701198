"""The MCP endpoint (Streamable HTTP): one pure-ASGI callable for every protocol era.

A POST goes through three steps, each owning its failures: the HTTP head (Host and Origin guards,
``Accept``, ``Content-Type``, size), the body (read once, parsed once), then admission
(:func:`app.protocol.admission.admit`: era, ``_meta``, routing headers). Everything that can end in
a 4xx is decided there, before the first byte of a reply, and answered by
:func:`app.transport.responses.send_error`. The reply is one JSON body unless the call emits a
notification or stays silent past the keep-alive interval: then it becomes an SSE stream that the
final response ends. No per-client state is kept between requests, so any worker of any replica can
answer any request.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import orjson
from starlette.types import Receive, Scope, Send

from app.events.store import EventStore, StoreError
from app.events.tasks import TaskRecords
from app.protocol.admission import Admitted, RoutingHeaders, admit
from app.protocol.channel import ClientChannel
from app.protocol.dispatch import Engine
from app.protocol.errors import (
    BodyTooLarge,
    HostNotAllowed,
    InvalidRequest,
    MCPError,
    MethodNotAllowed,
    NotAcceptable,
    NotWaiting,
    OriginNotAllowed,
    ParseError,
    RequestCancelled,
    Unavailable,
    UnsupportedMediaType,
)
from app.protocol.listen import CHANGES_TOPIC, SUBSCRIPTIONS_TOPIC, UPDATED, Listeners
from app.protocol.messages import Kind, error_response, notification, request_id_of
from app.protocol.principal import ANONYMOUS, SCOPE_KEY, Principal
from app.protocol.versions import DEFAULT_LEGACY_VERSION, Era, at_least
from app.security import AllowList
from app.transport.backchannel import UNREACHABLE, BackChannel, deliver
from app.transport.calls import CANCEL_TOPIC, RunningCalls, Stop, cancel_key, cancelled_request
from app.transport.reply import Reply
from app.transport.responses import send_empty, send_error, send_json
from app.transport.resume import resume
from app.transport.streams import OpenStreams, Stream, StreamSettings
from app.transport.tasks import Tasks, TaskSettings

if TYPE_CHECKING:
    from app.telemetry.setup import Telemetry

logger = logging.getLogger("app.transport")
_JSON = b"application/json"
_SSE = b"text/event-stream"
RESUMABLE_SINCE = "2025-11-25"
"""Older clients choke on the priming event's empty data, so only these streams get event ids."""


def accepts(accept: bytes | None, media_type: bytes) -> bool:
    """Whether an ``Accept`` header admits ``media_type``, wildcards included (a substring test: the
    header is short and this runs on every request)."""
    if accept is None:
        return False
    return media_type in accept or b"*/*" in accept or (media_type.split(b"/")[0] + b"/*") in accept


class MCPEndpoint:
    """The ASGI app mounted at the MCP path (``/mcp`` by default)."""

    def __init__(
        self,
        engine: Engine,
        *,
        store: EventStore,
        streams: OpenStreams,
        calls: RunningCalls,
        stream_settings: StreamSettings,
        allowed_hosts: AllowList | None,
        allowed_origins: AllowList,
        max_body_size: int,
        json_response: bool,
        reply_timeout_seconds: float,
        answers_reach_every_worker: bool = True,
        telemetry: Telemetry | None = None,
        tasks: tuple[TaskRecords, TaskSettings] | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.streams = streams
        self.calls = calls
        self.stream_settings = stream_settings
        self.allowed_hosts = allowed_hosts
        self.allowed_origins = allowed_origins
        self.max_body_size = max_body_size
        self.json_response = json_response
        self.reply_timeout_seconds = reply_timeout_seconds
        self.answers_reach_every_worker = answers_reach_every_worker
        """False with the in-memory store and several workers: tools then cannot ask the client."""
        self.telemetry = telemetry
        self.observer = telemetry.observer(engine) if telemetry is not None else None
        """Answers in place of the engine when telemetry is on: a span, a measurement, a log line."""
        self._started = False
        self._refused: set[bytes] = set()
        store.subscribe(CANCEL_TOPIC, calls.cancel)
        self.listeners = Listeners(store.publish)
        """This worker's ``subscriptions/listen`` streams; announcements reach them through the store."""
        store.subscribe(CHANGES_TOPIC, self.listeners.deliver)
        store.subscribe(SUBSCRIPTIONS_TOPIC, self.listeners.deliver_subscription)
        self.listeners.on_change = self._tell_streams
        self._telling: dict[Stream, dict[tuple[str, str | None], None]] = {}
        """The change notifications waiting for each handshake-era stream's sender."""
        self._senders: set[asyncio.Task[None]] = set()
        engine.listen_with(self.listeners)
        streams.drain_hooks.append(self.listeners.close)
        self.tasks: Tasks | None = None
        """The tasks extension: where ``task=True`` tools' calls run on as tasks, when ``tasks`` (their
        records and settings) is given; only a store every worker shares can keep them."""
        if tasks is not None:
            self.tasks = engine.tasks = Tasks(tasks[0], store, self.listeners.announce, tasks[1])
            streams.drain_hooks.append(self.tasks.drain)

    async def start(self) -> None:
        """Start the worker's background work (the store's heartbeat and fleet channel). The lifespan
        calls it; an endpoint mounted in a host app without it starts on its first request."""
        if not self._started:
            self._started = True
            if self.telemetry is not None:
                await self.telemetry.start()
            await self.store.start()

    async def aclose(self) -> None:
        """Stop background work and release the store; running calls are left to the server's shutdown.
        Telemetry goes last, so it sends what the rest recorded."""
        self.listeners.close()
        self.engine.listen_with(None)
        if self.tasks is not None:
            await self.tasks.close()
        self.streams.stop()
        self.calls.stop()
        self.engine.runner.close()
        await self.store.aclose()
        if self.telemetry is not None:
            await self.telemetry.shutdown()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._started:
            await self.start()
        if scope["method"] == "POST":
            await self._post(scope, receive, send)
        else:
            await self._other(scope, receive, send)

    def _tell_streams(self, method: str, uri: str | None) -> None:
        """Hand a change to the handshake-era streams of this worker (their calls in progress) whose
        caller wants it: every list change, and updates of the URIs the caller subscribed to. Each
        stream has at most one sender, and what waits for it is a set (the three list kinds and the
        caller's URIs at most), so a burst of changes to a slow client costs memory bounded by that."""
        callers = self.listeners.callers
        for stream in list(self.streams.live):
            if not (stream.streaming and stream.announces):
                continue
            if method == UPDATED and (uri is None or not callers.watches(stream.caller, uri)):
                continue
            waiting = self._telling.get(stream)
            if waiting is not None:
                waiting[method, uri] = None
                continue
            self._telling[stream] = {(method, uri): None}
            sender = asyncio.get_running_loop().create_task(self._tell(stream))
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)

    async def _tell(self, stream: Stream) -> None:
        waiting = self._telling[stream]
        try:
            while waiting:
                method, uri = next(iter(waiting))
                del waiting[method, uri]
                await stream.emit(notification(method, {"uri": uri} if uri is not None else {}))
        finally:
            del self._telling[stream]

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET`` with ``Last-Event-ID`` resumes a stream; anything else is 405 (no session, no GET stream)."""
        try:
            last_event_id = None
            for name, value in scope["headers"]:
                self._check_caller(name, value)
                if name == b"last-event-id":
                    last_event_id = value
            if scope["method"] != "GET" or last_event_id is None:
                raise MethodNotAllowed("Only POST, and GET with Last-Event-ID, are served here")
            caller = scope.get(SCOPE_KEY, ANONYMOUS).key
            resuming = resume(last_event_id, self.store, self.stream_settings, self.streams, caller, receive, send)
            if self.observer is None:
                await resuming
            else:
                await self.observer.resume(last_event_id, self.store, resuming, scope)
        except MCPError as error:
            if self.observer is not None:
                self.observer.refused(error, Era.LEGACY)
            await send_error(send, error, Era.LEGACY, None)

    def _check_caller(self, name: bytes, value: bytes) -> None:
        """The DNS-rebinding guard: a browser page on another site must not reach a local server."""
        if name == b"host":
            if self.allowed_hosts is not None and not self.allowed_hosts.allows(value):
                self._tell_operator("Host", value, "FASTMCP_HTTP_ALLOWED_HOSTS")
                raise HostNotAllowed("Host not allowed: list it in FASTMCP_HTTP_ALLOWED_HOSTS")
        elif name == b"origin" and not self.allowed_origins.allows(value):
            self._tell_operator("Origin", value, "FASTMCP_HTTP_ALLOWED_ORIGINS")
            raise OriginNotAllowed("Origin not allowed: list it in FASTMCP_HTTP_ALLOWED_ORIGINS")

    def _tell_operator(self, header: str, value: bytes, setting: str) -> None:
        """Log a refused ``Host``/``Origin`` once per value (at most 100 values a worker), so a proxy
        sending a name the settings lack shows in the log, and a stream of probes does not flood it."""
        if value not in self._refused and len(self._refused) < 100:
            self._refused.add(value)
            logger.warning("refused %s %r: if it is yours, list it in %s", header, value.decode("latin-1"), setting)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        era, request_id = Era.LEGACY, None
        try:
            routing, stream_ok = self._read_head(scope)
            message = _parse(await self._read_body(receive))
            request_id = request_id_of(message)
            admitted = admit(
                message, routing, legacy_version=DEFAULT_LEGACY_VERSION, max_id_length=self.engine.max_id_length
            )
            era = admitted.era
            if admitted.kind is Kind.RESPONSE:
                await self._deliver(admitted, scope.get(SCOPE_KEY, ANONYMOUS).key)
            elif admitted.kind is Kind.NOTIFICATION and admitted.method == "notifications/cancelled":
                await self._cancel(admitted)
            if admitted.kind is not Kind.REQUEST:
                await send_empty(send, 202)
                return
        except MCPError as error:
            if self.observer is not None:
                self.observer.refused(error, era)
            await send_error(send, error, era, request_id)
            return
        await self._answer(admitted, scope, send, receive, stream_ok)

    def _read_head(self, scope: Scope) -> tuple[RoutingHeaders, bool]:
        """The HTTP checks, in one pass over the headers: the routing headers for admission, and
        whether the reply may stream."""
        accept = content_type = version = mcp_method = mcp_name = None
        repeated = False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name == b"mcp-protocol-version":
                repeated |= version is not None
                version = value
            elif name == b"mcp-method":
                repeated |= mcp_method is not None
                mcp_method = value
            elif name == b"mcp-name":
                repeated |= mcp_name is not None
                mcp_name = value
            elif name == b"content-length" and value.isdigit() and int(value) > self.max_body_size:
                raise BodyTooLarge("Request body too large")
            elif name == b"host" or name == b"origin":
                self._check_caller(name, value)
        stream_ok = not self.json_response and accepts(accept, _SSE)
        if not accepts(accept, _JSON) or not (self.json_response or stream_ok):
            raise NotAcceptable("Accept must list application/json and text/event-stream")
        if content_type is None or not content_type.lower().startswith(_JSON):
            raise UnsupportedMediaType("Content-Type must be application/json")
        return RoutingHeaders(version, mcp_method, mcp_name, repeated), stream_ok

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
                    raise BodyTooLarge("Request body too large")
                chunks.append(chunk)
            body = b"".join(chunks)
        if len(body) > self.max_body_size:
            raise BodyTooLarge("Request body too large")
        return body

    async def _deliver(self, admitted: Admitted, caller: str) -> None:
        """A client's answer to a server-to-client request: hand it to the call waiting for it."""
        if admitted.era is Era.MODERN:
            raise InvalidRequest("2026-07-28 clients must not send responses")
        if not await deliver(self.store, admitted.message, caller):
            raise NotWaiting(f"No request {request_id_of(admitted.message)!r} is waiting for a response")

    async def _cancel(self, admitted: Admitted) -> None:
        """Relay a handshake-era cancellation to every worker; the one running the call stops it.
        (2026-07-28 cancels by closing the stream: its ``notifications/cancelled`` is acknowledged only.)"""
        request_id = cancelled_request(admitted.params)
        if request_id is None:
            raise InvalidRequest("notifications/cancelled needs params.requestId, a string or an integer")
        if admitted.era is Era.LEGACY:
            try:
                await self.store.publish(CANCEL_TOPIC, cancel_key(request_id))
            except StoreError as exc:
                raise Unavailable("Cannot relay the cancellation now; try again") from exc

    async def _answer(self, admitted: Admitted, scope: Scope, send: Send, receive: Receive, stream_ok: bool) -> None:
        """Run an admitted request and reply: JSON, or SSE once the call streams (when the client
        accepts SSE). The call is tracked while it runs, so a cancellation, a departed client or its
        time limit can stop it."""
        era = admitted.era
        principal: Principal = scope.get(SCOPE_KEY, ANONYMOUS)
        reply = None
        channel: ClientChannel | None = None
        if stream_ok:
            resumable = era is Era.LEGACY and at_least(admitted.protocol_version, RESUMABLE_SINCE)
            reply = Reply(
                send,
                admitted.request_id,
                settings=self.stream_settings,
                streams=self.streams,
                store=self.store,
                resumable=resumable,
                caller=principal.key,
            )
            if era is Era.LEGACY:
                reply.announces = True
            if era is Era.LEGACY and self.answers_reach_every_worker:
                channel = BackChannel(reply, self.store, self.reply_timeout_seconds, principal.key)
            elif era is Era.LEGACY:
                channel = UNREACHABLE
        ctx = self.engine.context(admitted, reply.emit if reply is not None else None, channel, principal)
        call = self.calls.start(ctx, receive, reply)
        try:
            if self.observer is None:
                response, error = await self.engine.answer(admitted.params, ctx)
            else:
                response, error = await self.observer.http(admitted.params, ctx, scope)
        except asyncio.CancelledError:
            stopped = call.stopped()
            if stopped is None:  # the server is stopping us
                raise
            if stopped is Stop.DISCONNECTED:
                if reply is not None:
                    reply.finish()
                return
            error = RequestCancelled("Request cancelled")
            response = error_response(admitted.request_id, error, era)
        finally:
            self.calls.end(call)  # no await since the engine returned: from here on nothing stops the call
        if reply is not None and reply.finish():
            await reply.write(orjson.dumps(response), final=True)
        elif error is None:
            await send_json(send, 200, response)
        else:
            await send_error(send, error, era, admitted.request_id)


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ParseError("Parse error: the body is not valid JSON") from None
