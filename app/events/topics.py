"""This worker's side of the fleet channel: which handler takes the messages of each topic.

Both stores hand every message they receive to :meth:`Topics.dispatch`. A handler runs in the
channel's own loop (the Redis listener, or the publisher's call in memory), so one that raises is
logged and the channel goes on: a bad message must not stop the next cancellation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger("app.events")

Handler = Callable[[bytes], None]


class Topics:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Set ``topic``'s handler (one per topic: a second replaces the first)."""
        self._handlers[topic] = handler

    def dispatch(self, topic: str, payload: bytes) -> None:
        handler = self._handlers.get(topic)
        if handler is None:
            return
        try:
            handler(payload)
        except Exception:
            logger.exception("the handler for fleet topic %r failed", topic)
