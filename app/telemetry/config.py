"""Telemetry's configuration, read from the standard ``OTEL_*`` variables and nothing else.

A signal is exported when its ``OTEL_<SIGNAL>_EXPORTER`` names an exporter, or, left unset, when an
OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or the signal's own): traces and metrics, not
logs, which go to a collector only when ``OTEL_LOGS_EXPORTER`` asks (a log record through the SDK
costs about 100 us, more than the request it describes). So with nothing set,
nothing is exported and no telemetry code runs (the SDK would default to ``otlp`` and retry a
collector on localhost forever). Values the server cannot honour stop it at start with one line
naming the variable.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.telemetry.export import BatchSettings
from app.telemetry.otlp import Destination
from app.telemetry.spans import Sampler

EXPORTERS = {
    "traces": frozenset({"otlp", "console"}),
    "metrics": frozenset({"otlp", "prometheus", "console"}),
    "logs": frozenset({"otlp", "console"}),
}
SAMPLERS = frozenset(
    {
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
    }
)
DEFAULT_ENDPOINT = "http://localhost:4318"
Getter = Callable[..., str]
"""Reads one variable: ``get(name, default="")``."""


class TelemetryConfigError(ValueError):
    """A telemetry variable the server cannot honour; the message names it."""


@dataclass(frozen=True)
class TelemetryConfig:
    traces: frozenset[str]
    metrics: frozenset[str]
    logs: frozenset[str]
    sampler: Sampler
    batch: BatchSettings
    destinations: Mapping[str, Destination]
    """Per signal: where OTLP sends it."""
    metric_interval_seconds: float = 60.0
    metric_timeout_seconds: float = 30.0
    prometheus_host: str = "localhost"
    prometheus_port: int = 9464
    span_event_limit: int = 128

    @property
    def enabled(self) -> bool:
        return bool(self.traces or self.metrics or self.logs)


def read_config(environ: Mapping[str, str]) -> TelemetryConfig:
    def get(name: str, default: str = "") -> str:
        return environ.get(name, "").strip() or default

    disabled = get("OTEL_SDK_DISABLED").lower() == "true"
    signals = {signal: frozenset() if disabled else _exporters(signal, get) for signal in EXPORTERS}
    if any("otlp" in exporters for exporters in signals.values()):
        _check_protocol(get)
    temporality = get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "cumulative").lower()
    if temporality != "cumulative" and "otlp" in signals["metrics"]:
        raise TelemetryConfigError(
            f"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE={temporality} is not supported: this server "
            "exports cumulative metrics; unset it"
        )
    batch = BatchSettings(
        schedule_delay_seconds=_number(get, "OTEL_BSP_SCHEDULE_DELAY", 5000) / 1000,
        export_timeout_seconds=_number(get, "OTEL_BSP_EXPORT_TIMEOUT", 30000) / 1000,
        max_queue_size=int(_number(get, "OTEL_BSP_MAX_QUEUE_SIZE", 2048)),
        max_export_batch_size=int(_number(get, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)),
    )
    if not 0 < batch.max_export_batch_size <= batch.max_queue_size:
        raise TelemetryConfigError("OTEL_BSP_MAX_EXPORT_BATCH_SIZE must be between 1 and OTEL_BSP_MAX_QUEUE_SIZE")
    return TelemetryConfig(
        traces=signals["traces"],
        metrics=signals["metrics"],
        logs=signals["logs"],
        sampler=_sampler(get),
        batch=batch,
        destinations={signal: _destination(signal, get) for signal in EXPORTERS},
        metric_interval_seconds=_number(get, "OTEL_METRIC_EXPORT_INTERVAL", 60000) / 1000,
        metric_timeout_seconds=_number(get, "OTEL_METRIC_EXPORT_TIMEOUT", 30000) / 1000,
        prometheus_host=get("OTEL_EXPORTER_PROMETHEUS_HOST", "localhost"),
        prometheus_port=int(_number(get, "OTEL_EXPORTER_PROMETHEUS_PORT", 9464)),
        span_event_limit=max(0, int(_number(get, "OTEL_SPAN_EVENT_COUNT_LIMIT", 128))),
    )


def _exporters(signal: str, get: Getter) -> frozenset[str]:
    variable = f"OTEL_{signal.upper()}_EXPORTER"
    value = get(variable)
    if not value:
        if signal == "logs":  # every log line through the SDK costs ~100 us: only when asked
            return frozenset()
        endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT") or get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
        return frozenset({"otlp"}) if endpoint else frozenset()
    names = frozenset(name.strip().lower() for name in value.split(",") if name.strip()) - {"none"}
    unknown = names - EXPORTERS[signal]
    if unknown:
        allowed = ", ".join(sorted(EXPORTERS[signal] | {"none"}))
        raise TelemetryConfigError(f"{variable}={value}: {', '.join(sorted(unknown))} is not one of {allowed}")
    return names


def _check_protocol(get: Getter) -> None:
    for variable in ("OTEL_EXPORTER_OTLP_PROTOCOL", *(f"OTEL_EXPORTER_OTLP_{s.upper()}_PROTOCOL" for s in EXPORTERS)):
        protocol = get(variable, "http/protobuf")
        if protocol != "http/protobuf":
            raise TelemetryConfigError(f"{variable}={protocol} is not supported: use http/protobuf (port 4318)")


def _sampler(get: Getter) -> Sampler:
    name = get("OTEL_TRACES_SAMPLER", "parentbased_always_on").lower()
    if name not in SAMPLERS:
        raise TelemetryConfigError(f"OTEL_TRACES_SAMPLER={name} is not one of {', '.join(sorted(SAMPLERS))}")
    ratio = 1.0
    if name.endswith("traceidratio"):
        ratio = _number(get, "OTEL_TRACES_SAMPLER_ARG", 1.0)
        if not 0.0 <= ratio <= 1.0:
            raise TelemetryConfigError(f"OTEL_TRACES_SAMPLER_ARG={ratio} must be between 0 and 1")
    parent_based = name.startswith("parentbased_")
    return Sampler(name.removeprefix("parentbased_"), ratio, parent_based=parent_based)


def _destination(signal: str, get: Getter) -> Destination:
    """``OTEL_EXPORTER_OTLP_<SIGNAL>_*`` where set, else the shared ``OTEL_EXPORTER_OTLP_*``."""
    own = f"OTEL_EXPORTER_OTLP_{signal.upper()}_"

    def either(name: str, default: str = "") -> str:
        return get(own + name) or get("OTEL_EXPORTER_OTLP_" + name, default)

    url = get(own + "ENDPOINT") or get("OTEL_EXPORTER_OTLP_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/") + f"/v1/{signal}"
    headers = {}
    for pair in either("HEADERS").split(","):
        key, sep, value = pair.partition("=")
        if sep and key.strip():
            headers[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    compression = either("COMPRESSION", "none").lower()
    if compression not in ("gzip", "none"):
        raise TelemetryConfigError(f"OTEL_EXPORTER_OTLP_COMPRESSION={compression} is not one of gzip, none")
    timeout = own + "TIMEOUT" if get(own + "TIMEOUT") else "OTEL_EXPORTER_OTLP_TIMEOUT"
    timeout_ms = _number(get, timeout, 10000)
    return Destination(url, headers, timeout_ms / 1000, compression == "gzip", either("CERTIFICATE") or None)


def _number(get: Getter, variable: str, default: float) -> float:
    value = get(variable)
    if not value:
        return float(default)
    try:
        return float(value)
    except ValueError:
        raise TelemetryConfigError(f"{variable}={value} is not a number") from None
