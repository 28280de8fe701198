"""What telemetry does around each MCP request: one SERVER span, one duration measurement, one log line.

The endpoint and stdio call :meth:`Observer.answer` instead of ``Engine.answer`` when telemetry is on,
and nothing of this module runs when it is off. Names follow the OpenTelemetry MCP conventions: the
span is ``{mcp.method.name} {target}`` (``tools/call echo``, ``prompts/get review``), its parent comes
from ``params._meta.traceparent`` (2026-07-28 carries it there) or else the HTTP ``traceparent``
header, and ``error.type`` is the JSON-RPC code as a string or ``tool_error`` for an ``isError``
result. Client mistakes (bad params, unknown method or tool) set ``error.type`` but not the span's
ERROR status: they are not the server's failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import Any

from starlette.types import Scope

from app.events.ids import parse_event_id
from app.events.store import EventStore, StoreError
from app.protocol.context import Context
from app.protocol.dispatch import Answer, Engine
from app.protocol.errors import MCPError
from app.protocol.versions import Era
from app.telemetry.export import BatchSpans
from app.telemetry.logs import RequestLines
from app.telemetry.metrics import DURATION_BUCKETS, Counter, Gauge, Histogram, Registry
from app.telemetry.spans import (
    CURRENT_SPAN,
    SERVER,
    Parent,
    Sampler,
    Span,
    new_trace_id,
    parse_traceparent,
    start_span,
)

CLIENT_MISTAKES = frozenset({"-32700", "-32600", "-32601", "-32602", "-32002"})
OTHER = "_OTHER"
"""Stands for a method or tool name the server does not know: names from clients are unbounded."""


class ServerMetrics:
    """The instruments an operator of this server watches; the dashboard and alerts use exactly these."""

    def __init__(self, registry: Registry) -> None:
        self.duration: Histogram = registry.add(
            Histogram(
                "mcp.server.operation.duration",
                "s",
                "Duration of MCP requests as the server handled them",
                ("mcp.method.name", "gen_ai.tool.name", "error.type", "mcp.protocol.version", "network.transport"),
                DURATION_BUCKETS,
            )
        )
        self.refused: Counter = registry.add(
            Counter(
                "mcp.server.requests.refused",
                "{request}",
                "Requests refused before reaching a handler, by reason",
                ("error.type", "http.response.status_code"),
            )
        )
        self.resumes: Counter = registry.add(
            Counter("mcp.server.streams.resumes", "{resume}", "Resumptions of SSE streams", ("error.type",))
        )
        self.store_operations: Counter = registry.add(
            Counter(
                "mcp.server.event_store.operations",
                "{operation}",
                "EventStore operations, with error.type when one failed",
                ("mcp.event_store.operation", "mcp.event_store.backend", "error.type"),
            )
        )
        self.client_requests: Counter = registry.add(
            Counter(
                "mcp.server.client_requests",
                "{request}",
                "Requests from tools to the client (sampling, elicitation) and how their waits ended",
                ("error.type",),
            )
        )
        self.waiting = 0
        """Tool calls waiting for their client's answer right now (the store wrapper counts them)."""

    def gauges(self, registry: Registry, open_streams: Any, running_calls: Any, spans: BatchSpans | None) -> None:
        """Values read when collected: nothing on the request path."""
        registry.add(Gauge("mcp.server.streams.open", "{stream}", "Open SSE streams", open_streams.streaming))
        registry.add(Gauge("mcp.server.calls.active", "{call}", "Requests being answered", lambda: len(running_calls)))
        registry.add(
            Gauge(
                "mcp.server.client_requests.waiting",
                "{request}",
                "Tool calls waiting for the client's answer",
                lambda: self.waiting,
            )
        )
        dropped = (lambda: spans.dropped) if spans is not None else (lambda: 0)
        registry.add(Gauge("mcp.server.telemetry.spans_dropped", "{span}", "Spans a full queue dropped", dropped))


class Observer:
    def __init__(
        self,
        engine: Engine,
        metrics: ServerMetrics,
        sampler: Sampler,
        spans: BatchSpans | None,
        lines: RequestLines | None,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.sampler = sampler
        self.spans = spans
        """The export queue; ``None`` when traces are off (spans still give logs their ids)."""
        self.lines = lines
        """Where request lines go; ``None`` when requests are not logged."""
        self._known_methods = frozenset(name for handlers in engine.handlers.values() for name in handlers)
        """Methods of either era: a metric's method label comes from this bounded set, or is ``_OTHER``."""

    def http(self, params: dict[str, Any], ctx: Context, scope: Scope) -> Awaitable[Answer]:
        return self.answer(params, ctx, "tcp", scope)

    def stdio(self, params: dict[str, Any], ctx: Context) -> Awaitable[Answer]:
        return self.answer(params, ctx, "pipe", None)

    def refused(self, error: MCPError, era: Era) -> None:
        """Count a request refused before any handler ran (bad headers or body, a token, an origin)."""
        self.metrics.refused.add((str(error.code_for(era)), error.status(era)))

    async def resume(self, last_event_id: bytes, store: EventStore, resuming: Awaitable[None], scope: Scope) -> None:
        """A ``GET`` that resumes a stream: its own SERVER span, linked to the span of the call it resumes."""
        attributes: dict[str, Any] = {"network.transport": "tcp", "http.request.method": "GET"}
        client = scope.get("client")
        if client:
            attributes["client.address"] = client[0]
        span = start_span("GET resume", SERVER, _header_parent(scope), self.sampler, attributes)
        span.sink = self.spans
        parsed = parse_event_id(last_event_id.decode("latin-1"))
        try:
            if span.sampled and parsed is not None:
                with contextlib.suppress(StoreError):  # a missing link must not stop the resume
                    call = parse_traceparent(await store.trace_of(parsed[0]))
                    if call is not None:
                        span.add_link(call.trace_id, call.span_id, {"mcp.link": "resumed_call"})
            await resuming
        except MCPError as error:
            span.fail(str(error.code_for(Era.LEGACY)), error.message)
            raise
        finally:
            span.end()

    async def answer(self, params: dict[str, Any], ctx: Context, transport: str, scope: Scope | None) -> Answer:
        """``Engine.answer`` measured, and inside a span when one is kept (``scope``: the HTTP request's)."""
        method = ctx.method
        target = _target(method, params)
        started = time.time_ns()
        span = self._start(method, target, params, ctx, transport, scope)
        token = None
        if span is not None:
            token = CURRENT_SPAN.set(span)
            ctx.span = span
        try:
            response, error = await self.engine.answer(params, ctx)
        except asyncio.CancelledError:
            self._finish(span, started, ctx, target, "cancelled", "cancelled", transport)
            raise
        finally:
            if token is not None:
                CURRENT_SPAN.reset(token)
        if error is not None:
            code = str(error.code_for(ctx.era))
            status = None if code in CLIENT_MISTAKES else error.message
            self._finish(span, started, ctx, target, code, status, transport)
        elif target is not None and method == "tools/call" and response["result"].get("isError") is True:
            self._finish(span, started, ctx, target, "tool_error", "tool_error", transport)
        else:
            self._finish(span, started, ctx, target, None, None, transport)
        return response, error

    def _start(
        self, method: str, target: str | None, params: dict[str, Any], ctx: Context, transport: str, scope: Scope | None
    ) -> Span | None:
        """The request's span, or ``None`` when the sampler drops it and no request line needs its ids:
        then the request costs a sampling decision and a measurement, nothing more. Only a sampled span
        gets its name and attributes."""
        meta = ctx.meta
        parent = parse_traceparent(meta["traceparent"], meta.get("tracestate")) if "traceparent" in meta else None
        header = _header_parent(scope) if scope is not None else None
        remote = parent or header
        trace_id = remote.trace_id if remote is not None else new_trace_id()
        sampled = self.sampler.sampled(remote, trace_id)
        if not sampled and self.lines is None:
            return None
        if remote is None:
            span = Span(method, SERVER, trace_id, 0, sampled, {})
        else:
            span = Span(method, SERVER, trace_id, remote.span_id, sampled, {}, trace_state=remote.trace_state)
            span.remote_parent = True
        if not sampled:
            return span
        attributes = span.attributes
        attributes["mcp.method.name"] = method
        attributes["mcp.protocol.version"] = ctx.protocol_version
        attributes["jsonrpc.request.id"] = str(ctx.request_id)
        attributes["network.transport"] = transport
        if target is not None:
            span.name = f"{method} {target}"
            if method == "tools/call":
                attributes["gen_ai.tool.name"] = target
                attributes["gen_ai.operation.name"] = "execute_tool"
            else:
                attributes["gen_ai.prompt.name"] = target
        elif method == "resources/read" and isinstance(uri := params.get("uri"), str):
            attributes["mcp.resource.uri"] = uri[: self.engine.max_uri_length]
        client = scope.get("client") if scope is not None else None
        if client:
            attributes["client.address"], attributes["client.port"] = client[0], client[1]
        if parent is not None and header is not None and header.span_id != parent.span_id:
            span.add_link(header.trace_id, header.span_id, {"mcp.link": "http"})
        span.sink = self.spans
        return span

    def _finish(
        self,
        span: Span | None,
        started: int,
        ctx: Context,
        target: str | None,
        error_type: str | None,
        status: str | None,
        transport: str,
    ) -> None:
        end = time.time_ns()
        method = ctx.method if ctx.method in self._known_methods else OTHER
        tool = None
        if target is not None and method == "tools/call":
            tool = target if target in self.engine.server.tools else OTHER
        seconds = (end - started) / 1e9
        self.metrics.duration.record(seconds, (method, tool, error_type, ctx.protocol_version, transport))
        if span is None:
            return
        span.end_ns = end
        if error_type is not None:
            span.attributes["error.type"] = error_type
            if status is not None:
                span.status_message = status
        span.end()
        if self.lines is not None:
            log_request(self.lines, span, method, target, error_type, seconds, ctx)


def _header_parent(scope: Scope) -> Parent | None:
    """The span the HTTP ``traceparent`` header names, if any."""
    traceparent = tracestate = None
    for name, value in scope["headers"]:
        if name == b"traceparent":
            traceparent = value.decode("latin-1")
        elif name == b"tracestate":
            tracestate = value.decode("latin-1")
    return parse_traceparent(traceparent, tracestate) if traceparent is not None else None


def _target(method: str, params: dict[str, Any]) -> str | None:
    """The tool or prompt a request names, when it names one sensibly."""
    if method == "tools/call" or method == "prompts/get":
        name = params.get("name")
        if isinstance(name, str) and len(name) <= 256:
            return name
    return None


def log_request(
    lines: RequestLines,
    span: Span,
    method: str,
    target: str | None,
    error_type: str | None,
    seconds: float,
    ctx: Context,
) -> None:
    """The request's one log line: what, for whom (never arguments, tokens or results), how it ended."""
    outcome = "ok" if error_type is None else ("tool_error" if error_type == "tool_error" else "error")
    shown = outcome if error_type is None or outcome == "tool_error" else f"error {error_type}"
    lines.write(
        f"{method}{' ' + target if target else ''} {shown} in {seconds * 1000:.1f} ms",
        {
            "trace_id": f"{span.trace_id:032x}",
            "span_id": f"{span.span_id:016x}",
            "mcp.method.name": method,
            "gen_ai.tool.name": target if method == "tools/call" else None,
            "gen_ai.prompt.name": target if method == "prompts/get" else None,
            "outcome": outcome,
            "error.type": error_type,
            "duration_ms": round(seconds * 1000, 3),
            "mcp.protocol.version": ctx.protocol_version,
            "era": "2026-07-28" if ctx.era is Era.MODERN else "handshake",
            "principal": ctx.principal.key,
        },
        span,
    )
