"""How many workers serve side by side, as far as one of them can tell: decided once, at start-up.

It matters for the in-memory event store, which each worker keeps for itself: with several workers a
client's answer may land on a worker that does not hold the waiting call. gunicorn and uvicorn read
``WEB_CONCURRENCY``; a worker of ``uvicorn --workers N`` is a child spawned by multiprocessing, which
carries the parent's command line over, so ``--workers`` can be read from ``sys.argv`` (a ``--reload``
child is spawned the same way, with no ``--workers``: one worker).
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence

from app.settings import Settings


def worker_count(settings: Settings, argv: Sequence[str] | None = None) -> int:
    if settings.web_concurrency > 1:
        return settings.web_concurrency
    if multiprocessing.parent_process() is None:
        return 1
    return workers_flag(sys.argv if argv is None else argv) or 1


def workers_flag(argv: Sequence[str]) -> int | None:
    """The value of ``--workers N`` or ``--workers=N`` in a command line, if any."""
    for position, word in enumerate(argv):
        value = None
        if word == "--workers" and position + 1 < len(argv):
            value = argv[position + 1]
        elif word.startswith("--workers="):
            value = word.removeprefix("--workers=")
        if value is not None and value.isdigit():
            return int(value)
    return None
