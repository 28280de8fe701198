"""Finished spans leave the request path here: queued in memory, exported in batches by one thread.

The queue, the batch size and the timings are the ``OTEL_BSP_*`` settings. Adding a span is a list
append; a full queue drops the span and counts it, so a collector that is down costs memory up to
the queue's size and nothing more. Any OpenTelemetry SDK ``SpanExporter`` can stand behind the queue
(``console``, the tests' in-memory one): :class:`SDKSpans` turns our spans into SDK spans for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.telemetry.otlp import OTLPSender, SpanEncoder
from app.telemetry.spans import SERVER, Span

logger = logging.getLogger("app.telemetry")


class SpanSink(Protocol):
    def export(self, spans: Sequence[Span]) -> None: ...

    def shutdown(self) -> None: ...


class OTLPSpans:
    def __init__(self, encoder: SpanEncoder, sender: OTLPSender) -> None:
        self.encoder = encoder
        self.sender = sender

    def export(self, spans: Sequence[Span]) -> None:
        self.sender.send(self.encoder.request(spans))

    def shutdown(self) -> None:
        pass


class SDKSpans:
    """Any SDK ``SpanExporter`` behind our queue; spans are converted when exported, never before."""

    def __init__(self, exporter: Any, resource: Any, scope_name: str, scope_version: str) -> None:
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        self.exporter = exporter
        self.resource = resource
        self.scope = InstrumentationScope(scope_name, scope_version)

    def export(self, spans: Sequence[Span]) -> None:
        self.exporter.export([self.readable(span) for span in spans])

    def readable(self, span: Span) -> Any:
        from opentelemetry.sdk.trace import Event, ReadableSpan
        from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

        def context(trace_id: int, span_id: int, remote: bool) -> SpanContext:
            state = TraceState.from_header([span.trace_state]) if span.trace_state else None
            return SpanContext(trace_id, span_id, remote, TraceFlags(TraceFlags.SAMPLED), state)

        failed = span.status_message is not None
        status = Status(StatusCode.ERROR, span.status_message) if failed else Status(StatusCode.UNSET)
        return ReadableSpan(
            name=span.name,
            context=context(span.trace_id, span.span_id, False),
            parent=context(span.trace_id, span.parent, span.remote_parent) if span.parent else None,
            resource=self.resource,
            attributes=dict(span.attributes),
            events=[Event(name, attributes, at) for at, name, attributes in span.events or ()],
            links=[Link(context(t, s, True), attributes) for t, s, attributes in span.links or ()],
            kind=SpanKind.SERVER if span.kind == SERVER else SpanKind.INTERNAL,
            status=status,
            start_time=span.start_ns,
            end_time=span.end_ns,
            instrumentation_scope=self.scope,
        )

    def shutdown(self) -> None:
        self.exporter.shutdown()


@dataclass(frozen=True)
class BatchSettings:
    """``OTEL_BSP_*``, in seconds and counts."""

    schedule_delay_seconds: float = 5.0
    export_timeout_seconds: float = 30.0
    max_queue_size: int = 2048
    max_export_batch_size: int = 512


class BatchSpans:
    """The queue between the request path and the exporting thread."""

    def __init__(self, sink: SpanSink, settings: BatchSettings) -> None:
        self.sink = sink
        self.settings = settings
        self.dropped = 0
        self._queue: list[Span] = []
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def add(self, span: Span) -> None:
        queue = self._queue
        if len(queue) >= self.settings.max_queue_size:
            self.dropped += 1
            return
        queue.append(span)  # one bytecode under the GIL: safe against the thread's swap
        if len(queue) == self.settings.max_export_batch_size:
            self._wake.set()

    def start(self) -> None:
        """Start the thread; call it in the process that serves (after a fork), once."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="otel-spans", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.settings.schedule_delay_seconds)
            self._wake.clear()
            self._export_all()
        self._export_all()  # what came while the last batch was being sent

    def _export_all(self) -> None:
        batch_size = self.settings.max_export_batch_size
        spans, self._queue = self._queue, []
        for start in range(0, len(spans), batch_size):
            try:
                self.sink.export(spans[start : start + batch_size])
            except Exception:
                logger.exception("exporting spans failed")

    def shutdown(self) -> None:
        """Export what is queued (within the export timeout) and stop the thread."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.settings.export_timeout_seconds)
            self._thread = None
        else:
            self._export_all()
        self.sink.shutdown()
