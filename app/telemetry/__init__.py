"""OpenTelemetry for the MCP endpoint: traces, metrics and logs after the MCP semantic conventions.

Configured only by the standard ``OTEL_*`` variables (:mod:`app.telemetry.config`); with none set,
:func:`.setup.telemetry_for` returns ``None`` and no code of this package runs on a request. The pieces:

- :mod:`.observer`: the span, the duration and the log line around each request;
- :mod:`.spans`, :mod:`.otlp`, :mod:`.export`: spans recorded cheaply, encoded to OTLP, sent in batches;
- :mod:`.metrics`, :mod:`.prometheus`: counters and histograms, exported over OTLP or scraped;
- :mod:`.store`: the EventStore's operations, counted; :mod:`.layer`: refused requests, counted;
- :mod:`.logs`: JSON log lines with trace ids;
- :mod:`.setup`: one worker's telemetry, built from the configuration.

Everything that owns a thread, a socket or a timer starts in :meth:`.setup.Telemetry.start`, which the
endpoint calls in each worker after the fork, and is flushed by :meth:`.setup.Telemetry.shutdown`.
"""
