"""Log lines: JSON, one object a line, for collectors (the default when stderr is not a terminal); the
human format on a terminal (``make run``).

A line written while a request runs carries that request's ``trace_id`` and ``span_id``, so a log
search and a trace view meet. Request lines (``app.requests``) add their ``mcp`` fields: method,
tool, outcome, duration, protocol version, caller key; never arguments, results or tokens.
"""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any

import orjson

from app.telemetry.spans import CURRENT_SPAN

HUMAN_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        fields = getattr(record, "mcp", None)
        if fields is not None:
            line.update((key, value) for key, value in fields.items() if value is not None)
        else:
            span = CURRENT_SPAN.get()
            if span is not None:
                line["trace_id"] = f"{span.trace_id:032x}"
                line["span_id"] = f"{span.span_id:016x}"
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def formatter(log_format: str) -> logging.Formatter:
    """``json``, ``text``, or ``auto``: JSON unless stderr is a terminal."""
    if log_format == "json" or (log_format == "auto" and not sys.stderr.isatty()):
        return JSONFormatter()
    return logging.Formatter(HUMAN_FORMAT)
