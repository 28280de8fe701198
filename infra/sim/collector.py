"""A stand-in OpenTelemetry collector for the tests and the benchmark: a real OTLP/HTTP receiver
(``POST /v1/traces|metrics|logs``, protobuf bodies) that decodes with the official generated classes
(``opentelemetry-proto``), so what the server writes is checked against the protocol's own
definition rather than against our encoder.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

_KINDS: dict[str, type[Message]] = {
    "/v1/traces": ExportTraceServiceRequest,
    "/v1/metrics": ExportMetricsServiceRequest,
    "/v1/logs": ExportLogsServiceRequest,
}


def value_of(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def attributes_of(pairs: Any) -> dict[str, Any]:
    return {pair.key: value_of(pair.value) for pair in pairs}


@dataclass
class ReceivedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    links: list[tuple[str, str, dict[str, Any]]]
    status_code: int
    status_message: str
    resource: dict[str, Any]
    start_ns: int
    end_ns: int


@dataclass
class ReceivedPoint:
    metric: str
    unit: str
    kind: str
    attributes: dict[str, Any]
    value: float
    """The value, or the count for a histogram."""
    resource: dict[str, Any] = field(default_factory=dict)


class OTLPReceiver:
    def __init__(self) -> None:
        self.requests: dict[str, list[Any]] = {path: [] for path in _KINDS}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                kind = _KINDS.get(self.path)
                if kind is None or self.headers.get("Content-Type") != "application/x-protobuf":
                    self.send_response(404)
                    self.end_headers()
                    return
                message = kind()
                message.ParseFromString(body)
                with receiver.lock:
                    receiver.requests[self.path].append(message)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def env(self, **extra: str) -> dict[str, str]:
        """What a server needs to export here quickly."""
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_METRIC_EXPORT_INTERVAL": "300",
            "OTEL_BLRP_SCHEDULE_DELAY": "100",
            **extra,
        }

    def spans(self) -> list[ReceivedSpan]:
        with self.lock:
            requests = list(self.requests["/v1/traces"])
        found = []
        for request in requests:
            for resource_spans in request.resource_spans:
                resource = attributes_of(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        found.append(
                            ReceivedSpan(
                                name=span.name,
                                trace_id=span.trace_id.hex(),
                                span_id=span.span_id.hex(),
                                parent_id=span.parent_span_id.hex(),
                                kind=span.kind,
                                attributes=attributes_of(span.attributes),
                                events=[(event.name, attributes_of(event.attributes)) for event in span.events],
                                links=[
                                    (link.trace_id.hex(), link.span_id.hex(), attributes_of(link.attributes))
                                    for link in span.links
                                ],
                                status_code=span.status.code,
                                status_message=span.status.message,
                                resource=resource,
                                start_ns=span.start_time_unix_nano,
                                end_ns=span.end_time_unix_nano,
                            )
                        )
        return found

    def points(self) -> list[ReceivedPoint]:
        """Every data point of every metrics request, oldest first."""
        with self.lock:
            requests = list(self.requests["/v1/metrics"])
        found = []
        for request in requests:
            for resource_metrics in request.resource_metrics:
                resource = attributes_of(resource_metrics.resource.attributes)
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        kind = metric.WhichOneof("data")
                        assert kind is not None, f"metric {metric.name} has no data"
                        for point in getattr(metric, kind).data_points:
                            if kind == "histogram":
                                value = point.count
                            else:
                                value = point.as_int if point.WhichOneof("value") == "as_int" else point.as_double
                            found.append(
                                ReceivedPoint(
                                    metric.name, metric.unit, kind, attributes_of(point.attributes), value, resource
                                )
                            )
        return found

    def logs(self) -> list[dict[str, Any]]:
        with self.lock:
            requests = list(self.requests["/v1/logs"])
        found = []
        for request in requests:
            for resource_logs in request.resource_logs:
                for scope_logs in resource_logs.scope_logs:
                    for record in scope_logs.log_records:
                        found.append(
                            {
                                "body": value_of(record.body),
                                "trace_id": record.trace_id.hex(),
                                "span_id": record.span_id.hex(),
                                "attributes": attributes_of(record.attributes),
                            }
                        )
        return found

    def wait_for(self, what: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Poll until ``what()`` is truthy; fail with what was received otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = what()
            if result:
                return result
            time.sleep(0.05)
        names = sorted({span.name for span in self.spans()})
        metrics = sorted({point.metric for point in self.points()})
        raise AssertionError(f"not received within {timeout:g} s; spans: {names}; metrics: {metrics}")


@contextmanager
def otlp_receiver() -> Iterator[OTLPReceiver]:
    receiver = OTLPReceiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
