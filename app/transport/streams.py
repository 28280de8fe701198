"""The worker's open SSE streams: one keep-alive scanner, the resumable streams to hand over at
shutdown, and the one ``draining`` flag that ``/readyz``, new resumes and shutdown all read.

Keep-alives cost a request nothing until they are due: one task per worker looks over the open
replies a few times per interval, instead of a timer per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StreamSettings:
    keepalive_seconds: float
    """A silent reply sends an SSE comment this often, so proxies do not time it out."""
    retry_ms: int
    """The ``retry`` hint sent before the server closes a resumable stream on purpose."""
    close_after_seconds: float | None
    """Close resumable streams this long after they open; the client resumes with ``Last-Event-ID``."""


class Stream(Protocol):
    last_sent: float
    """When the stream last sent anything (``time.monotonic()``)."""
    streaming: bool
    """Committed to SSE (until then the reply may still be one JSON body)."""
    announces: bool
    """Carries the fleet's change notifications (a handshake-era call's stream)."""
    caller: str
    """The principal key of the caller whose stream it is."""

    async def emit(self, message: dict[str, Any]) -> None:
        """Send one JSON-RPC message on the stream."""

    def send_keepalive(self) -> None:
        """Send a keep-alive comment soon, without blocking the scanner."""

    async def close_for_resume(self) -> None:
        """End the connection but not the stream: the client reconnects after ``retry`` and resumes."""


class OpenStreams:
    """What one worker is streaming right now."""

    __slots__ = ("_scanner", "drain_hooks", "draining", "keepalive_seconds", "live", "resumable")

    def __init__(self, keepalive_seconds: float) -> None:
        self.keepalive_seconds = keepalive_seconds
        self.live: set[Stream] = set()
        """Replies still running, watched for silence."""
        self.resumable: set[Stream] = set()
        """Resumable replies still streaming: shutdown closes them so their clients resume elsewhere."""
        self.draining = False
        """Set once at shutdown: ``/readyz`` fails, and resumed streams end with ``retry`` too."""
        self.drain_hooks: list[Callable[[], object]] = []
        """Called at drain: other long streams end too (``subscriptions/listen``)."""
        self._scanner: asyncio.Task[None] | None = None

    def watch(self, stream: Stream) -> float:
        """Watch ``stream`` for silence until :meth:`forget`; returns the time it starts from."""
        self.live.add(stream)
        if self._scanner is None:
            self._scanner = asyncio.get_running_loop().create_task(self._scan())
        return time.monotonic()

    def streaming(self) -> int:
        """How many replies are SSE streams right now (read by telemetry, not on the request path)."""
        return sum(1 for stream in list(self.live) if stream.streaming)

    def forget(self, stream: Stream) -> None:
        self.live.discard(stream)
        self.resumable.discard(stream)

    async def _scan(self) -> None:
        """The one keep-alive task of a worker: a few looks per interval, a comment where one is due."""
        interval = self.keepalive_seconds
        while True:
            await asyncio.sleep(interval / 4)
            due = time.monotonic() - interval
            for stream in [stream for stream in self.live if stream.last_sent <= due]:
                stream.last_sent = time.monotonic()  # not again before this one is sent
                stream.send_keepalive()

    async def drain(self) -> int:
        """Mark the worker draining and send every resumable stream's client elsewhere; how many."""
        self.draining = True
        for hook in self.drain_hooks:
            hook()
        streams = list(self.resumable)
        for stream in streams:
            await stream.close_for_resume()
        return len(streams)

    def stop(self) -> None:
        if self._scanner is not None:
            self._scanner.cancel()
            self._scanner = None
