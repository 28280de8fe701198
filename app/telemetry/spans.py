"""Spans as this server records them: one small object per request, turned into OTLP only when exported.

The SDK's ``Span`` validates every attribute under a lock and copies it into bounded containers; a
request span here is a slotted object whose attributes are a plain dict the server fills with values
it already checked, so starting and ending one costs a few microseconds, and a span the sampler drops
costs its ids and nothing else. Trace context follows W3C Trace Context (``traceparent``,
``tracestate``), read from the HTTP headers or, for 2026-07-28, from ``params._meta``.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

SERVER = 2
INTERNAL = 1
"""OTLP ``SpanKind`` numbers."""
STATUS_ERROR = 2

_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_MAX_TRACESTATE = 512
_ids = random.Random()
"""Span and trace ids need to be unique, not secret: a seeded PRNG is what the SDK uses too."""
os.register_at_fork(after_in_child=_ids.seed)  # two workers forked from one parent must not share ids


class Sink(Protocol):
    """Where ended spans go (the export queue)."""

    def add(self, span: Span) -> None: ...


@dataclass(frozen=True, slots=True)
class Parent:
    """A remote span context: the caller's span, which ours continues."""

    trace_id: int
    span_id: int
    sampled: bool
    trace_state: str = ""


def parse_traceparent(traceparent: object, tracestate: object = None) -> Parent | None:
    """The parent a ``traceparent`` names, or ``None`` for anything malformed (then a new trace starts)."""
    if not isinstance(traceparent, str):
        return None
    found = _TRACEPARENT.fullmatch(traceparent.strip().lower())
    if found is None:
        return None
    trace_id, span_id = int(found[1], 16), int(found[2], 16)
    if trace_id == 0 or span_id == 0:
        return None
    state = tracestate if isinstance(tracestate, str) and len(tracestate) <= _MAX_TRACESTATE else ""
    return Parent(trace_id, span_id, bool(int(found[3], 16) & 1), state)


def traceparent(trace_id: int, span_id: int, sampled: bool) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"


class Sampler:
    """The six samplers ``OTEL_TRACES_SAMPLER`` can name, decided with integer arithmetic.

    ``traceidratio`` keeps a trace when the low 64 bits of its id fall under ``ratio * 2**64``, as
    every OpenTelemetry SDK does, so services in one trace agree without talking.
    """

    def __init__(self, root: str, ratio: float = 1.0, *, parent_based: bool = True) -> None:
        self.parent_based = parent_based
        self.bound = {"always_on": 1 << 64, "always_off": 0}.get(root, round(ratio * (1 << 64)))

    def sampled(self, parent: Parent | None, trace_id: int) -> bool:
        if parent is not None and self.parent_based:
            return parent.sampled
        return (trace_id & 0xFFFFFFFFFFFFFFFF) < self.bound


class Span:
    """One span. Unsampled spans keep their ids (logs name them) and drop everything else."""

    max_events = 128
    """Events kept per span (``OTEL_SPAN_EVENT_COUNT_LIMIT``): a tool reporting progress for hours
    must not grow its span; later events are counted as dropped, as the SDK does."""

    __slots__ = (
        "attributes",
        "dropped_events",
        "end_ns",
        "events",
        "kind",
        "links",
        "name",
        "parent",
        "remote_parent",
        "sampled",
        "sink",
        "span_id",
        "start_ns",
        "status_message",
        "trace_id",
        "trace_state",
    )

    def __init__(
        self,
        name: str,
        kind: int,
        trace_id: int,
        parent_id: int,
        sampled: bool,
        attributes: dict[str, Any],
        *,
        trace_state: str = "",
        remote_parent: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.trace_id = trace_id
        self.span_id = _ids.getrandbits(64) or 1
        self.parent = parent_id
        self.sampled = sampled
        self.attributes = attributes
        self.trace_state = trace_state
        self.remote_parent = remote_parent
        self.start_ns = time.time_ns()
        self.end_ns = 0
        self.events: list[tuple[int, str, dict[str, Any]]] | None = None
        self.dropped_events = 0
        self.links: list[tuple[int, int, dict[str, Any]]] | None = None
        self.status_message: str | None = None
        """Set (maybe empty) when the span ends in error."""
        self.sink: Sink | None = None
        """Where the span goes when it ends, if sampled."""

    def end(self) -> None:
        if not self.end_ns:
            self.end_ns = time.time_ns()
        if self.sampled and self.sink is not None:
            self.sink.add(self)

    def add_event(self, name: str, attributes: dict[str, Any]) -> None:
        if self.sampled:
            if self.events is None:
                self.events = []
            if len(self.events) < self.max_events:
                self.events.append((time.time_ns(), name, attributes))
            else:
                self.dropped_events += 1

    def add_link(self, trace_id: int, span_id: int, attributes: dict[str, Any]) -> None:
        if self.sampled:
            if self.links is None:
                self.links = []
            self.links.append((trace_id, span_id, attributes))

    def fail(self, error_type: str, message: str) -> None:
        self.attributes["error.type"] = error_type
        self.status_message = message

    def child(self, name: str, attributes: dict[str, Any]) -> Span:
        span = Span(name, INTERNAL, self.trace_id, self.span_id, self.sampled, attributes, trace_state=self.trace_state)
        span.sink = self.sink
        return span

    @contextlib.contextmanager
    def activate(self) -> Iterator[None]:
        from opentelemetry import context, trace

        span_context = trace.SpanContext(self.trace_id, self.span_id, False, trace.TraceFlags(int(self.sampled)))
        token = context.attach(trace.set_span_in_context(trace.NonRecordingSpan(span_context)))
        try:
            yield
        finally:
            context.detach(token)

    @property
    def traceparent(self) -> str:
        return traceparent(self.trace_id, self.span_id, self.sampled)


def new_trace_id() -> int:
    return _ids.getrandbits(128) or 1


def start_span(name: str, kind: int, parent: Parent | None, sampler: Sampler, attributes: dict[str, Any]) -> Span:
    """A new span under ``parent`` (remote), or the root of a new trace."""
    if parent is None:
        trace_id = new_trace_id()
        return Span(name, kind, trace_id, 0, sampler.sampled(None, trace_id), attributes)
    sampled = sampler.sampled(parent, parent.trace_id)
    return Span(
        name,
        kind,
        parent.trace_id,
        parent.span_id,
        sampled,
        attributes,
        trace_state=parent.trace_state,
        remote_parent=True,
    )


CURRENT_SPAN: ContextVar[Span | None] = ContextVar("mcp_span", default=None)
"""The request's span while it runs: the store's events and the log lines written meanwhile find it here."""
