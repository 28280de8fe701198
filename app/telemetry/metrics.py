"""The server's metrics: counted in plain dicts on the request path, read only when exported or scraped.

Recording through the SDK's instruments costs about 10 us a measurement (attribute sets are frozen
and looked up under a lock per record); here a measurement is a tuple lookup and a few additions,
about 1 us. Collection builds the SDK's own data classes (``MetricsData``), so any SDK
``MetricExporter`` (OTLP, console) sends them, and :mod:`app.telemetry.prometheus` renders the same
numbers as a scrape. Every series is cumulative; each instrument keeps at most
``MAX_SERIES`` attribute sets, then counts into one overflow series (``otel.metric.overflow``), as
the SDK does: attributes that come from clients cannot grow memory.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

MAX_SERIES = 2000
DURATION_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
"""The MCP conventions' advisory buckets for ``mcp.server.operation.duration``, in seconds."""

Key = tuple[Any, ...]
"""Attribute values, in the order of the instrument's ``attributes`` names; ``None`` means absent."""


class Instrument:
    kind = "counter"

    def __init__(self, name: str, unit: str, description: str, attributes: Sequence[str] = ()) -> None:
        self.name = name
        self.unit = unit
        self.description = description
        self.attributes = tuple(attributes)
        self.overflow: Key = (None,) * len(self.attributes)
        """The key of the series that takes measurements past ``MAX_SERIES`` (marked when exported)."""

    def labels(self, key: Key) -> dict[str, Any]:
        """The attribute dict of one series."""
        if key is self.overflow and key:
            return {"otel.metric.overflow": True}
        return {name: value for name, value in zip(self.attributes, key, strict=True) if value is not None}


class Counter(Instrument):
    """A monotonic sum per attribute set."""

    def __init__(self, name: str, unit: str, description: str, attributes: Sequence[str] = ()) -> None:
        super().__init__(name, unit, description, attributes)
        self.values: dict[Key, int] = {}

    def add(self, key: Key = (), amount: int = 1) -> None:
        values = self.values
        if key in values:
            values[key] += amount
        elif len(values) < MAX_SERIES:
            values[key] = amount
        else:
            values[self.overflow] = values.get(self.overflow, 0) + amount


class Gauge(Instrument):
    """A value read when collected (open streams, running calls): nothing on the request path."""

    kind = "gauge"

    def __init__(self, name: str, unit: str, description: str, read: Callable[[], int]) -> None:
        super().__init__(name, unit, description)
        self.read = read


class HistogramPoint:
    __slots__ = ("buckets", "count", "max", "min", "sum")

    def __init__(self, size: int) -> None:
        self.buckets = [0] * size
        self.count = 0
        self.sum = 0.0
        self.min = float("inf")
        self.max = float("-inf")


class Histogram(Instrument):
    kind = "histogram"

    def __init__(
        self,
        name: str,
        unit: str,
        description: str,
        attributes: Sequence[str],
        bounds: Sequence[float] = DURATION_BUCKETS,
    ) -> None:
        super().__init__(name, unit, description, attributes)
        self.bounds = tuple(float(bound) for bound in bounds)
        self.points: dict[Key, HistogramPoint] = {}

    def record(self, value: float, key: Key) -> None:
        point = self.points.get(key)
        if point is None:
            if len(self.points) >= MAX_SERIES:
                key = self.overflow
            point = self.points.get(key)
            if point is None:
                point = self.points[key] = HistogramPoint(len(self.bounds) + 1)
        point.buckets[bisect_left(self.bounds, value)] += 1  # bucket i holds (bounds[i-1], bounds[i]]
        point.count += 1
        point.sum += value
        if value < point.min:
            point.min = value
        if value > point.max:
            point.max = value


class Registry:
    """This worker's instruments, and their conversion to the SDK's ``MetricsData``."""

    def __init__(self) -> None:
        self.instruments: list[Instrument] = []
        self.started_ns = time.time_ns()

    def add(self, instrument: Instrument) -> Any:
        self.instruments.append(instrument)
        return instrument

    def collect(self, resource: Any, scope_name: str, scope_version: str) -> Any:
        from opentelemetry.sdk.metrics.export import (
            AggregationTemporality,
            MetricsData,
            ResourceMetrics,
            ScopeMetrics,
        )
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        now = time.time_ns()
        temporality = AggregationTemporality.CUMULATIVE
        metrics = [self._metric(instrument, now, temporality) for instrument in self.instruments]
        metrics = [metric for metric in metrics if metric.data.data_points]  # as the SDK: no empty metrics
        scope = ScopeMetrics(InstrumentationScope(scope_name, scope_version), metrics, "")
        return MetricsData([ResourceMetrics(resource, [scope], "")])

    def _metric(self, instrument: Instrument, now: int, temporality: Any) -> Any:
        from opentelemetry.sdk.metrics.export import Gauge as GaugeData
        from opentelemetry.sdk.metrics.export import Histogram as HistogramData
        from opentelemetry.sdk.metrics.export import HistogramDataPoint, Metric, NumberDataPoint, Sum

        start = self.started_ns
        data: Any
        if isinstance(instrument, Histogram):
            points = [
                HistogramDataPoint(
                    instrument.labels(key),
                    start,
                    now,
                    point.count,
                    point.sum,
                    list(point.buckets),
                    instrument.bounds,
                    point.min,
                    point.max,
                )
                for key, point in list(instrument.points.items())
            ]
            data = HistogramData(points, temporality)
        elif isinstance(instrument, Counter):
            numbers = [
                NumberDataPoint(instrument.labels(key), start, now, value)
                for key, value in list(instrument.values.items())
            ]
            data = Sum(numbers, temporality, is_monotonic=True)
        else:
            assert isinstance(instrument, Gauge)
            data = GaugeData([NumberDataPoint({}, start, now, instrument.read())])
        return Metric(instrument.name, instrument.description, instrument.unit, data)
