"""Start-up and shutdown of one worker: the event store's lifetime, and draining on SIGTERM.

On SIGTERM (or SIGINT) a worker first marks itself draining, so ``/readyz`` fails at once, and ends
every resumable SSE stream with a ``retry`` hint, so its clients resume on another worker while the
calls behind those streams run on here (they keep writing to the store). After
``drain_delay_seconds`` it hands the signal to uvicorn, which stops accepting and waits for running
requests up to the graceful timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from types import FrameType
from typing import Any

from app.settings import Settings
from app.telemetry.logs import formatter
from app.transport.http import MCPEndpoint
from app.transport.streams import OpenStreams
from app.workers import worker_count

logger = logging.getLogger("app")

SignalHandler = Callable[[int, FrameType | None], Any]


class Drain:
    def __init__(self, streams: OpenStreams, delay_seconds: float) -> None:
        self.streams = streams
        self.delay_seconds = delay_seconds
        self._tasks: set[asyncio.Task[int]] = set()

    def install(self) -> None:
        """Chain our handler in front of the server's own (uvicorn's ``handle_exit``)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if callable(previous):
                signal.signal(signum, self._handler(loop, previous))

    def _handler(self, loop: asyncio.AbstractEventLoop, previous: SignalHandler) -> SignalHandler:
        def handle(signum: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(self.begin)
            if self.delay_seconds > 0:
                loop.call_soon_threadsafe(loop.call_later, self.delay_seconds, previous, signum, frame)
            else:
                previous(signum, frame)

        return handle

    def begin(self) -> None:
        if self.streams.draining:
            return
        task = asyncio.get_running_loop().create_task(self.streams.drain())
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is None:
            logger.info("draining: told %d streaming clients to resume elsewhere", task.result())


def warn_if_memory_store_is_shared(settings: Settings) -> None:
    """More than one worker with the in-process store: resumption and client answers may miss."""
    if settings.event_store == "memory" and worker_count(settings) > 1:
        logger.warning(
            "FASTMCP_EVENT_STORE=memory with several workers: resumed streams only reach the worker that "
            "started the call, and tools cannot ask the client (sampling, elicitation). "
            "Set FASTMCP_EVENT_STORE=redis."
        )


def configure_logging(level: str, log_format: str) -> None:
    """Give the ``app`` loggers a handler when the server (gunicorn, uvicorn) configured only its own:
    JSON lines, or text in the shape of gunicorn's (``FASTMCP_LOG_FORMAT``)."""
    app_logger = logging.getLogger("app")
    app_logger.setLevel(level)
    if not logging.getLogger().handlers and not app_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(log_format))
        app_logger.addHandler(handler)


def lifespan(settings: Settings, endpoint: MCPEndpoint) -> Callable[[Any], Any]:
    @contextlib.asynccontextmanager
    async def run(app: Any) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_format)
        warn_if_memory_store_is_shared(settings)
        if settings.auth == "none":
            logger.warning("FASTMCP_AUTH=none: anyone who can reach this server can call every tool")
        if not settings.stateless_http:
            logger.warning("FASTMCP_STATELESS_HTTP=false has no effect: this server keeps no sessions")
        Drain(endpoint.streams, settings.drain_delay_seconds).install()
        await endpoint.start()
        gc.freeze()  # what start-up built lives as long as the worker: keep the collector off it
        try:
            yield
        finally:
            await endpoint.aclose()

    return run
