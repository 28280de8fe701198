"""One worker's telemetry: built from ``OTEL_*``, started after the fork, flushed at shutdown."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Mapping
from typing import Any

from app.events.store import EventStore
from app.protocol.dispatch import Engine
from app.telemetry.config import TelemetryConfig, TelemetryConfigError, read_config
from app.telemetry.export import BatchSpans, OTLPSpans, SDKSpans, SpanSink
from app.telemetry.logs import REQUEST_LOGGER, RequestLines, wants_json
from app.telemetry.metrics import Registry
from app.telemetry.observer import Observer, ServerMetrics
from app.telemetry.otlp import OTLPSender, SpanEncoder, encode_resource, encode_scope
from app.telemetry.prometheus import ScrapeServer
from app.telemetry.spans import Sampler, Span
from app.telemetry.store import ObservedStore

logger = logging.getLogger("app.telemetry")
SCOPE_NAME = "mcp-stateless-template"
SCOPE_VERSION = "0.1.0"
_OFF = Sampler("always_off", parent_based=False)


class Telemetry:
    """One worker's telemetry."""

    def __init__(
        self,
        config: TelemetryConfig,
        *,
        service_name: str,
        log_requests: bool,
        log_format: str = "auto",
        span_exporter: Any = None,
    ) -> None:
        self.config = config
        self.span_exporter = span_exporter
        """An OpenTelemetry SDK ``SpanExporter`` to send spans to instead of the configured one."""
        self.service_name = service_name
        self.lines = RequestLines(sys.stderr.buffer, as_json=wants_json(log_format)) if log_requests else None
        self.registry = Registry()
        self.metrics = ServerMetrics(self.registry)
        self.spans = BatchSpans(_NoSink(), config.batch) if config.traces else None
        self.resource: Any = None
        self._metrics_thread: _MetricsThread | None = None
        self._scrape: ScrapeServer | None = None
        self._log_handler: logging.Handler | None = None
        self._log_provider: Any = None
        self._started = False

    def observer(self, engine: Engine) -> Observer:
        sampler = self.config.sampler if self.spans is not None else _OFF
        return Observer(engine, self.metrics, sampler, self.spans, self.lines)

    def observe_store(self, store: EventStore, backend: str) -> EventStore:
        return ObservedStore(store, self.metrics, backend)

    def watch(self, open_streams: Any, running_calls: Any) -> None:
        """Add the gauges read from the endpoint's state."""
        self.metrics.gauges(self.registry, open_streams, running_calls, self.spans)

    async def start(self) -> None:
        """Start exporting, in the process that serves (after any fork); idempotent."""
        if self._started:
            return
        self._started = True
        self.resource = self._resource()
        attributes = dict(self.resource.attributes)
        config = self.config
        Span.max_events = config.span_event_limit
        if self.spans is not None:
            self.spans.sink = self._span_sink(attributes)
            self.spans.start()
        exporters = [self._metric_exporter(name) for name in sorted(config.metrics - {"prometheus"})]
        if exporters:
            self._metrics_thread = _MetricsThread(self, exporters)
            self._metrics_thread.start()
        if "prometheus" in config.metrics:
            self._scrape = ScrapeServer(self.registry, attributes, config.prometheus_host, config.prometheus_port)
            await self._scrape.start()
        if config.logs:
            self._start_logs()

    def collect(self) -> Any:
        """This worker's metrics as the SDK's ``MetricsData``."""
        return self.registry.collect(self.resource, SCOPE_NAME, SCOPE_VERSION)

    async def shutdown(self) -> None:
        """Send what is buffered and stop (the graceful end of a worker)."""
        if self._scrape is not None:
            await self._scrape.aclose()
        if self.spans is not None:
            self.spans.shutdown()
        if self._metrics_thread is not None:
            self._metrics_thread.stop()
        if self._log_provider is not None:
            for name in ("app", REQUEST_LOGGER):
                logging.getLogger(name).removeHandler(self._log_handler)  # type: ignore[arg-type]
            self._log_provider.shutdown()

    def _resource(self) -> Any:
        """``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` by the SDK's rules, named after the
        server when neither names the service, and one ``service.instance.id`` per worker."""
        from opentelemetry.sdk.resources import Resource

        resource = Resource.create()
        extra: dict[str, str] = {}
        if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
            extra["service.name"] = self.service_name
        if "service.instance.id" not in resource.attributes:
            extra["service.instance.id"] = f"{socket.gethostname()}:{os.getpid()}"
        return resource.merge(Resource(extra)) if extra else resource

    def _span_sink(self, attributes: Mapping[str, Any]) -> SpanSink:
        if self.span_exporter is not None:
            return SDKSpans(self.span_exporter, self.resource, SCOPE_NAME, SCOPE_VERSION)
        if "otlp" in self.config.traces:
            encoder = SpanEncoder(encode_resource(attributes), encode_scope(SCOPE_NAME, SCOPE_VERSION))
            return OTLPSpans(encoder, OTLPSender(self.config.destinations["traces"]))
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return SDKSpans(ConsoleSpanExporter(), self.resource, SCOPE_NAME, SCOPE_VERSION)

    def _metric_exporter(self, name: str) -> Any:
        if name == "console":
            from opentelemetry.sdk.metrics.export import ConsoleMetricExporter

            return ConsoleMetricExporter()
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        destination = self.config.destinations["metrics"]
        return OTLPMetricExporter(
            endpoint=destination.url,
            headers=destination.headers,
            timeout=destination.timeout_seconds,
            compression=Compression.Gzip if destination.gzip else Compression.NoCompression,
            certificate_file=destination.certificate,
        )

    def _start_logs(self) -> None:
        """The SDK's log pipeline behind a handler on the ``app`` loggers (``OTEL_BLRP_*`` apply)."""
        from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogExporter

        exporter: Any
        if "otlp" in self.config.logs:
            from opentelemetry.exporter.otlp.proto.http import Compression
            from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

            destination = self.config.destinations["logs"]
            exporter = OTLPLogExporter(
                endpoint=destination.url,
                headers=destination.headers,
                timeout=destination.timeout_seconds,
                compression=Compression.Gzip if destination.gzip else Compression.NoCompression,
                certificate_file=destination.certificate,
            )
        else:
            exporter = ConsoleLogExporter()
        self._log_provider = LoggerProvider(resource=self.resource)
        self._log_provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
        self._log_handler = LoggingHandler(logger_provider=self._log_provider)
        logging.getLogger("app").addHandler(self._log_handler)
        requests = logging.getLogger(REQUEST_LOGGER)  # request lines reach stderr without it
        requests.propagate = False
        requests.addHandler(self._log_handler)


class _NoSink:
    """Before :meth:`Telemetry.start` nothing is exported (spans wait in the queue)."""

    def export(self, spans: Any) -> None:
        pass

    def shutdown(self) -> None:
        pass


class _MetricsThread:
    """Exports the registry every ``OTEL_METRIC_EXPORT_INTERVAL``, and once more at shutdown."""

    def __init__(self, telemetry: Telemetry, exporters: list[Any]) -> None:
        self.telemetry = telemetry
        self.exporters = exporters
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="otel-metrics", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.telemetry.config.metric_interval_seconds):
            self.export()

    def export(self) -> None:
        timeout_ms = self.telemetry.config.metric_timeout_seconds * 1000
        data = self.telemetry.collect()
        for exporter in self.exporters:
            try:
                exporter.export(data, timeout_millis=timeout_ms)
            except Exception:
                logger.exception("exporting metrics failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.telemetry.config.metric_timeout_seconds)
        self.export()
        for exporter in self.exporters:
            exporter.shutdown()


def telemetry_for(
    environ: Mapping[str, str],
    *,
    service_name: str,
    log_requests: bool,
    log_format: str = "auto",
    workers: int = 1,
) -> Telemetry | None:
    """The worker's telemetry, or ``None`` when nothing is exported and requests are not logged."""
    config = read_config(environ)
    if "prometheus" in config.metrics and workers > 1:
        raise TelemetryConfigError(
            "OTEL_METRICS_EXPORTER=prometheus serves one process's metrics on one port: run one worker per "
            "container (WEB_CONCURRENCY=1, the default) or export with otlp"
        )
    if not config.enabled and not log_requests:
        return None
    return Telemetry(config, service_name=service_name, log_requests=log_requests, log_format=log_format)
