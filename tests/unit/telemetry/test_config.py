"""``OTEL_*`` to configuration: what turns each signal on, and one clear line for what cannot be honoured."""

from __future__ import annotations

import pytest

from app.telemetry.config import TelemetryConfigError, read_config


def test_nothing_set_exports_nothing() -> None:
    config = read_config({})
    assert not config.enabled and not config.traces and not config.metrics and not config.logs


def test_an_endpoint_turns_on_traces_and_metrics_but_logs_only_when_asked() -> None:
    config = read_config({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"})
    assert config.traces == {"otlp"} and config.metrics == {"otlp"} and not config.logs
    assert config.destinations["traces"].url == "http://collector:4318/v1/traces"
    assert config.destinations["metrics"].url == "http://collector:4318/v1/metrics"
    asked = read_config({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_LOGS_EXPORTER": "otlp"})
    assert asked.logs == {"otlp"} and asked.destinations["logs"].url == "http://c:4318/v1/logs"


def test_a_signal_endpoint_is_used_as_is_and_its_own_settings_win() -> None:
    config = read_config(
        {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.example/custom",
            "OTEL_EXPORTER_OTLP_HEADERS": "api-key=shared,x=1",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=mine%20too",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
        }
    )
    traces = config.destinations["traces"]
    assert config.traces == {"otlp"} and not config.metrics
    assert traces.url == "https://traces.example/custom"
    assert traces.headers == {"api-key": "mine too"}
    assert traces.timeout_seconds == 2.5 and traces.gzip
    assert config.destinations["metrics"].headers == {"api-key": "shared", "x": "1"}


def test_the_span_event_limit_is_the_sdk_variable() -> None:
    assert read_config({}).span_event_limit == 128
    assert read_config({"OTEL_SPAN_EVENT_COUNT_LIMIT": "16"}).span_event_limit == 16


def test_sdk_disabled_wins_and_none_turns_a_signal_off() -> None:
    assert not read_config({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}).enabled
    config = read_config({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_METRICS_EXPORTER": "none"})
    assert config.traces == {"otlp"} and not config.metrics
    assert read_config({"OTEL_METRICS_EXPORTER": "prometheus,otlp"}).metrics == {"prometheus", "otlp"}


def test_samplers_follow_the_sdk_names_and_ratio_rule() -> None:
    tenth = read_config({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}).sampler
    kept = sum(tenth.sampled(None, trace_id * 0x9E3779B97F4A7C15 % (1 << 128)) for trace_id in range(1, 20001))
    assert 1600 < kept < 2400
    assert tenth.bound == round(0.1 * (1 << 64))
    always = read_config({}).sampler
    assert always.sampled(None, 12345)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER=zipkin"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"),
        ({"OTEL_TRACES_SAMPLER": "jaeger_remote"}, "OTEL_TRACES_SAMPLER=jaeger_remote"),
        ({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, "OTEL_TRACES_SAMPLER_ARG"),
        ({"OTEL_BSP_MAX_QUEUE_SIZE": "many"}, "OTEL_BSP_MAX_QUEUE_SIZE=many"),
        ({"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "5000"}, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
        (
            {"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta"},
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
        ),
        ({"OTEL_EXPORTER_OTLP_COMPRESSION": "brotli"}, "OTEL_EXPORTER_OTLP_COMPRESSION"),
        ({"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "soon"}, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=soon"),
        ({"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, "OTEL_EXPORTER_OTLP_TIMEOUT=soon"),
    ],
)
def test_what_cannot_be_honoured_is_refused_by_name(environ: dict[str, str], named: str) -> None:
    with pytest.raises(TelemetryConfigError, match=named.replace("+", r"\+")):
        read_config(environ)
