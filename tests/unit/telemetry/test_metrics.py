"""The metric registry: buckets, bounded series, and the text a scrape returns."""

from __future__ import annotations

import pytest

from app.telemetry import metrics
from app.telemetry.metrics import Counter, Gauge, Histogram, Registry
from app.telemetry.prometheus import metric_name, render


def test_a_value_lands_in_the_bucket_whose_bound_is_the_first_at_or_above_it() -> None:
    histogram = Histogram("d", "s", "", ("m",), (0.01, 0.1, 1))
    for value in (0.005, 0.01, 0.05, 2):
        histogram.record(value, ("x",))
    point = histogram.points[("x",)]
    assert point.buckets == [2, 1, 0, 1]
    assert (point.count, point.min, point.max) == (4, 0.005, 2)


def test_series_beyond_the_limit_count_into_one_overflow_series(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "MAX_SERIES", 3)
    counter = Counter("c", "{x}", "", ("name",))
    histogram = Histogram("h", "s", "", ("name",))
    for n in range(10):
        counter.add((f"tool-{n}",))
        histogram.record(0.5, (f"tool-{n}",))
    assert len(counter.values) == 4 and counter.values[counter.overflow] == 7
    assert len(histogram.points) == 4 and histogram.points[histogram.overflow].count == 7
    assert counter.labels(counter.overflow) == {"otel.metric.overflow": True}


def test_the_scrape_names_and_escapes_as_prometheus_expects() -> None:
    registry = Registry()
    duration = registry.add(Histogram("mcp.server.operation.duration", "s", "How long", ("mcp.method.name",)))
    refused = registry.add(Counter("mcp.server.requests.refused", "{request}", "Refused", ("error.type",)))
    registry.add(Gauge("mcp.server.streams.open", "{stream}", "Open", lambda: 3))
    duration.record(0.2, ('tools/"call"\n',))
    refused.add(("-32600",))
    text = render(registry, {"service.name": "svc"}).decode()
    assert metric_name(duration) == "mcp_server_operation_duration_seconds"
    assert metric_name(refused) == "mcp_server_requests_refused_total"
    assert 'target_info{service_name="svc"} 1' in text
    assert 'mcp_server_operation_duration_seconds_bucket{mcp_method_name="tools/\\"call\\"\\n",le="0.2"} 1' in text
    assert 'mcp_server_operation_duration_seconds_count{mcp_method_name="tools/\\"call\\"\\n"} 1' in text
    assert 'mcp_server_requests_refused_total{error_type="-32600"} 1' in text
    assert "mcp_server_streams_open 3" in text


def test_collected_data_uses_the_sdk_classes_and_skips_empty_metrics() -> None:
    from opentelemetry.sdk.resources import Resource

    registry = Registry()
    registry.add(Counter("never", "{x}", ""))
    used = registry.add(Counter("used", "{x}", "", ("k",)))
    used.add(("v",), 2)
    data = registry.collect(Resource({}), "scope", "1")
    [metric] = data.resource_metrics[0].scope_metrics[0].metrics
    assert metric.name == "used" and metric.data.data_points[0].value == 2
    assert dict(metric.data.data_points[0].attributes) == {"k": "v"}
