"""OTLP/HTTP for spans: the protobuf encoding of ``ExportTraceServiceRequest``, and the POST that sends it.

The SDK's encoder builds a tree of generated message objects per span and spent about 50 us on each
of ours; the wire format is a few length-prefixed fields, and most of a request span's attributes
repeat (method, tool, version), so they are encoded once and reused from a bounded cache. Field
numbers are those of ``opentelemetry/proto/trace/v1/trace.proto`` and ``common/v1/common.proto``;
the tests decode what this writes with the official generated classes.
"""

from __future__ import annotations

import gzip
import logging
import ssl
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.telemetry.spans import STATUS_ERROR, Span

logger = logging.getLogger("app.telemetry")

_pack_fixed64 = struct.Struct("<Q").pack
_pack_double = struct.Struct("<d").pack
_pack_fixed32 = struct.Struct("<I").pack
_MAX_CACHED = 4096
_RETRYABLE = {429, 502, 503, 504}


_SMALL = [bytes((n,)) for n in range(128)]


def _varint(value: int) -> bytes:
    if 0 <= value < 0x80:
        return _SMALL[value]
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (strings, bytes, messages)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def any_value(value: Any) -> bytes:
    """``AnyValue`` for the attribute types OpenTelemetry allows (sequences become ``ArrayValue``)."""
    if isinstance(value, str):
        return _field(1, value.encode())
    if isinstance(value, bool):
        return b"\x10" + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return b"\x18" + _varint(value)
    if isinstance(value, float):
        return b"\x21" + _pack_double(value)
    if isinstance(value, bytes):
        return _field(7, value)
    if isinstance(value, Sequence):
        return _field(5, b"".join(_field(1, any_value(item)) for item in value))
    return _field(1, str(value).encode())


class AttributeEncoder:
    """``KeyValue`` fields, cached by field number, key and value: a span's attributes are mostly the
    same few pairs. The cache is cleared when full, so values unique to a request cost their
    encoding and no memory beyond ``max_cached`` entries."""

    def __init__(self, max_cached: int = _MAX_CACHED) -> None:
        self.max_cached = max_cached
        self._cache: dict[tuple[int, str, type, Any], bytes] = {}

    def attributes(self, number: int, attributes: Mapping[str, Any]) -> bytes:
        cache = self._cache
        encoded = []
        for key, value in attributes.items():
            cache_key = (number, key, type(value), value)
            try:
                field_bytes = cache.get(cache_key)
            except TypeError:  # a list: not hashable, encoded each time
                encoded.append(_field(number, _field(1, key.encode()) + _field(2, any_value(value))))
                continue
            if field_bytes is None:
                if len(cache) >= self.max_cached:
                    cache.clear()
                field_bytes = cache[cache_key] = _field(number, _field(1, key.encode()) + _field(2, any_value(value)))
            encoded.append(field_bytes)
        return b"".join(encoded)


def encode_resource(attributes: Mapping[str, Any]) -> bytes:
    """The ``Resource`` message, encoded once per process."""
    return AttributeEncoder().attributes(1, attributes)


def encode_scope(name: str, version: str) -> bytes:
    return _field(1, name.encode()) + _field(2, version.encode())


class SpanEncoder:
    def __init__(self, resource: bytes, scope: bytes) -> None:
        self.resource = resource
        self.scope = scope
        self.attributes = AttributeEncoder()

    def span(self, span: Span) -> bytes:
        attributes = self.attributes.attributes
        flags = 0x101 | (0x200 if span.remote_parent else 0)  # sampled; bit 8: bit 9 says remote or not
        name = span.name.encode()
        parts = [b"\x0a\x10", span.trace_id.to_bytes(16, "big"), b"\x12\x08", span.span_id.to_bytes(8, "big")]
        if span.trace_state:
            parts.append(_field(3, span.trace_state.encode()))
        if span.parent:
            parts += (b"\x22\x08", span.parent.to_bytes(8, "big"))
        parts += (
            b"\x2a",
            _varint(len(name)),
            name,
            _SMALL[0x30],
            _SMALL[span.kind],
            b"\x39",
            _pack_fixed64(span.start_ns),
            b"\x41",
            _pack_fixed64(span.end_ns),
            attributes(9, span.attributes),
        )
        if span.events:
            for at, event_name, event_attributes in span.events:
                event = b"\x09" + _pack_fixed64(at) + _field(2, event_name.encode()) + attributes(3, event_attributes)
                parts.append(_field(11, event))
        if span.dropped_events:
            parts += (b"\x60", _varint(span.dropped_events))  # field 12, dropped_events_count
        if span.links:
            for trace_id, span_id, link_attributes in span.links:
                link = b"\x0a\x10" + trace_id.to_bytes(16, "big") + b"\x12\x08" + span_id.to_bytes(8, "big")
                parts.append(_field(13, link + attributes(4, link_attributes)))
        if span.status_message is not None:
            parts.append(_field(15, _field(2, span.status_message.encode()) + b"\x18" + _varint(STATUS_ERROR)))
        parts += (b"\x85\x01", _pack_fixed32(flags))  # field 16, fixed32
        return _field(2, b"".join(parts))

    def request(self, spans: Iterable[Span]) -> bytes:
        """One ``ExportTraceServiceRequest`` holding ``spans`` under this process's resource and scope."""
        scope_spans = _field(1, self.scope) + b"".join([self.span(span) for span in spans])
        return _field(1, _field(1, self.resource) + _field(2, scope_spans))


@dataclass(frozen=True)
class Destination:
    """Where and how one signal is sent, read from ``OTEL_EXPORTER_OTLP_*``."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 10.0
    gzip: bool = False
    certificate: str | None = None


class OTLPSender:
    """POSTs encoded requests, retrying what the protocol says to retry, within the export timeout."""

    def __init__(self, destination: Destination) -> None:
        self.destination = destination
        self._context = ssl.create_default_context(cafile=destination.certificate) if destination.certificate else None

    def send(self, body: bytes) -> bool:
        destination = self.destination
        headers = {**destination.headers, "Content-Type": "application/x-protobuf"}
        if destination.gzip:
            body = gzip.compress(body, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        deadline = time.monotonic() + destination.timeout_seconds
        delay = 0.5
        while True:
            remaining = deadline - time.monotonic()
            request = urllib.request.Request(destination.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=max(remaining, 0.1), context=self._context) as answer:
                    answer.read()
                return True
            except urllib.error.HTTPError as exc:
                if exc.code not in _RETRYABLE or remaining < delay:
                    logger.warning("OTLP export to %s refused: HTTP %d", destination.url, exc.code)
                    return False
            except OSError as exc:
                if remaining < delay:
                    logger.warning("OTLP export to %s failed: %s", destination.url, exc)
                    return False
            time.sleep(delay)
            delay *= 2
