"""The Prometheus scrape endpoint: the same numbers the OTLP exporter sends, in the text format.

Names follow OpenTelemetry's Prometheus compatibility rules: dots become underscores, the unit ``s``
adds ``_seconds``, counters end in ``_total``, and the resource becomes one ``target_info`` series.
The endpoint is a small asyncio server on its own port (``OTEL_EXPORTER_PROMETHEUS_HOST``/``_PORT``,
``GET /metrics``) in the worker's event loop: no thread, no framework, and nothing on the MCP port.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from app.telemetry.metrics import Counter, Gauge, Histogram, Instrument, Registry

_INVALID = re.compile(r"[^a-zA-Z0-9_:]")
_UNIT_SUFFIXES = {"s": "seconds", "ms": "milliseconds", "By": "bytes"}
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
_HEAD_LIMIT = 8192
_HEAD_TIMEOUT_SECONDS = 5.0


def metric_name(instrument: Instrument) -> str:
    """The Prometheus family name of an instrument (``mcp.server.operation.duration`` with unit ``s``
    becomes ``mcp_server_operation_duration_seconds``)."""
    name = _INVALID.sub("_", instrument.name)
    suffix = _UNIT_SUFFIXES.get(instrument.unit)
    if suffix and not name.endswith(suffix):
        name = f"{name}_{suffix}"
    if isinstance(instrument, Counter):
        name += "_total"
    return name


def _labels(attributes: Mapping[str, Any], extra: str = "") -> str:
    parts = [f'{_INVALID.sub("_", key)}="{_escape(value)}"' for key, value in attributes.items()]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


def _family(instrument: Instrument) -> Iterator[str]:
    name = metric_name(instrument)
    kind = {"histogram": "histogram", "counter": "counter"}.get(instrument.kind, "gauge")
    yield f"# HELP {name} {instrument.description}"
    yield f"# TYPE {name} {kind}"
    if isinstance(instrument, Histogram):
        for key, point in list(instrument.points.items()):
            labels = instrument.labels(key)
            cumulative = 0
            for bound, count in zip((*instrument.bounds, math.inf), point.buckets, strict=True):
                cumulative += count
                le = 'le="' + _number(bound) + '"'
                yield f"{name}_bucket{_labels(labels, le)} {cumulative}"
            yield f"{name}_sum{_labels(labels)} {_number(point.sum)}"
            yield f"{name}_count{_labels(labels)} {point.count}"
    elif isinstance(instrument, Counter):
        for key, value in list(instrument.values.items()):
            yield f"{name}{_labels(instrument.labels(key))} {value}"
    elif isinstance(instrument, Gauge):
        yield f"{name} {instrument.read()}"


def render(registry: Registry, resource_attributes: Mapping[str, Any]) -> bytes:
    lines = ["# HELP target_info Target metadata", "# TYPE target_info gauge"]
    lines.append(f"target_info{_labels(resource_attributes)} 1")
    for instrument in registry.instruments:
        lines.extend(_family(instrument))
    return ("\n".join(lines) + "\n").encode()


class ScrapeServer:
    """``GET /metrics`` on its own port, served by the worker's event loop."""

    def __init__(self, registry: Registry, resource_attributes: Mapping[str, Any], host: str, port: int) -> None:
        self.registry = registry
        self.resource_attributes = dict(resource_attributes)
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_HEAD_TIMEOUT_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            request_line = head[: min(head.find(b"\r\n"), _HEAD_LIMIT)]
            if request_line.startswith((b"GET /metrics ", b"GET /metrics?")):
                body = render(self.registry, self.resource_attributes)
                status, content_type = b"200 OK", CONTENT_TYPE
            else:
                body, status, content_type = b"Not Found\n", b"404 Not Found", b"text/plain"
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: "
                + content_type
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
