"""Log lines: JSON, one object a line, for collectors (the default when stderr is not a terminal); the
human format on a terminal (``make run``).

A line written while a request runs carries that request's ``trace_id`` and ``span_id``, so a log
search and a trace view meet. Request lines (``app.requests``) add their ``mcp`` fields: method,
tool, outcome, duration, protocol version, caller key; never arguments, results or tokens
(:class:`RequestLines`).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import sys
import time
from typing import Any, BinaryIO

import orjson

from app.telemetry.spans import CURRENT_SPAN, Span

HUMAN_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
REQUEST_LOGGER = "app.requests"


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        span = CURRENT_SPAN.get()
        if span is not None:
            line["trace_id"] = f"{span.trace_id:032x}"
            line["span_id"] = f"{span.span_id:016x}"
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def formatter(log_format: str) -> logging.Formatter:
    """``json``, ``text``, or ``auto``: JSON unless stderr is a terminal."""
    if wants_json(log_format):
        return JSONFormatter()
    return logging.Formatter(HUMAN_FORMAT)


def wants_json(log_format: str) -> bool:
    return log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())


class RequestLines:
    """The request lines, written straight to stderr: one ``write`` per event-loop tick for every
    line of that tick.

    Through the logging module a line cost about 45 us (a ``LogRecord``, the caller's frame, a lock,
    a flush per record), more than the request it describes; here it costs a dict and an
    ``orjson.dumps``. The lines look like the JSON formatter's (or gunicorn's text lines on a
    terminal); the ``app.requests`` logger still gets them when a handler of its own asks (the
    OpenTelemetry logs exporter).
    """

    def __init__(self, stream: BinaryIO, *, as_json: bool) -> None:
        self.stream = stream
        self.as_json = as_json
        self.logger = logging.getLogger(REQUEST_LOGGER)
        self.pid = os.getpid()
        self._pending: list[bytes] = []
        self._second = -1
        self._stamp = ""

    def _time(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._stamp}.{int(now % 1 * 1000):03d}+00:00"

    def write(self, message: str, fields: dict[str, Any], span: Span) -> None:
        now = time.time()
        if self.as_json:
            line: dict[str, Any] = {"time": self._time(now), "level": "INFO", "logger": REQUEST_LOGGER}
            line["message"] = message
            line["process"] = self.pid
            line.update((key, value) for key, value in fields.items() if value is not None)
            data = orjson.dumps(line) + b"\n"
        else:
            data = f"[{self._time(now)}] [{self.pid}] [INFO] {REQUEST_LOGGER}: {message}\n".encode()
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(data)
        if self.logger.handlers:  # the OpenTelemetry logs exporter: the record carries the span's ids
            with span.activate():
                self.logger.info(message, extra={key: value for key, value in fields.items() if value is not None})

    def _flush(self) -> None:
        data, self._pending = b"".join(self._pending), []
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed: the lines are lost, the requests are not
            pass
