"""Our span encoding, decoded by the official generated classes: every field a span can carry."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app.telemetry.otlp import SpanEncoder, encode_resource, encode_scope
from app.telemetry.spans import SERVER, Parent, Sampler, Span, start_span
from infra.sim.collector import attributes_of


def test_a_span_with_every_field_round_trips() -> None:
    parent = Parent(0xABC, 0xDEF, True, "vendor=1")
    attributes = {"s": "text é", "i": -5, "b": True, "f": 0.25, "list": ["a", "b"], "big": 2**40}
    span = start_span("tools/call echo", SERVER, parent, Sampler("always_on"), attributes)
    span.add_event("notifications/progress", {"mcp.progress": 1})
    span.add_link(0x123, 0x456, {"mcp.link": "http"})
    span.fail("-32603", "Internal error")
    span.end_ns = span.start_ns + 1500
    encoder = SpanEncoder(encode_resource({"service.name": "svc", "n": 3}), encode_scope("scope", "1.0"))
    request = ExportTraceServiceRequest()
    request.ParseFromString(encoder.request([span, span]))
    resource_spans = request.resource_spans[0]
    assert attributes_of(resource_spans.resource.attributes) == {"service.name": "svc", "n": 3}
    scope_spans = resource_spans.scope_spans[0]
    assert (scope_spans.scope.name, scope_spans.scope.version) == ("scope", "1.0")
    assert len(scope_spans.spans) == 2
    decoded = scope_spans.spans[0]
    assert decoded.name == "tools/call echo" and decoded.kind == SERVER
    assert decoded.trace_id == (0xABC).to_bytes(16, "big") and decoded.parent_span_id == (0xDEF).to_bytes(8, "big")
    assert decoded.span_id == span.span_id.to_bytes(8, "big") and decoded.trace_state == "vendor=1"
    assert decoded.end_time_unix_nano - decoded.start_time_unix_nano == 1500
    assert attributes_of(decoded.attributes) == {**attributes, "error.type": "-32603"}
    assert [(event.name, attributes_of(event.attributes)) for event in decoded.events] == [
        ("notifications/progress", {"mcp.progress": 1})
    ]
    assert decoded.links[0].trace_id == (0x123).to_bytes(16, "big")
    assert attributes_of(decoded.links[0].attributes) == {"mcp.link": "http"}
    assert (decoded.status.code, decoded.status.message) == (2, "Internal error")
    assert decoded.flags == 0x301  # sampled, and the parent is known to be remote


def test_a_root_span_has_no_parent_and_its_flags_say_local() -> None:
    span = start_span("ping", SERVER, None, Sampler("always_on"), {})
    span.end()
    request = ExportTraceServiceRequest()
    request.ParseFromString(SpanEncoder(b"", b"").request([span]))
    decoded = request.resource_spans[0].scope_spans[0].spans[0]
    assert decoded.parent_span_id == b"" and decoded.flags == 0x101 and decoded.status.code == 0


def test_a_span_keeps_a_bounded_number_of_events_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Span, "max_events", 2)
    span = start_span("tools/call long", SERVER, None, Sampler("always_on"), {})
    for n in range(5):
        span.add_event("notifications/progress", {"mcp.progress": n})
    span.end()
    request = ExportTraceServiceRequest()
    request.ParseFromString(SpanEncoder(b"", b"").request([span]))
    decoded = request.resource_spans[0].scope_spans[0].spans[0]
    assert [attributes_of(event.attributes)["mcp.progress"] for event in decoded.events] == [0, 1]
    assert decoded.dropped_events_count == 3
