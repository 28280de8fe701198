"""The EventStore contract: where a resumable SSE stream's events live, so any worker can replay them.

A stream is opened when a 2025-11-25 reply starts streaming, receives each event as it is sent, and is
closed by its final event (the JSON-RPC response). ``follow`` replays what came after a position and
then waits for more until the final event: this is what a ``GET`` with ``Last-Event-ID`` serves,
on whichever worker it lands. Implement the protocol to keep events elsewhere; ``memory`` is the
default and the reference, ``redis`` the one for many workers and replicas.

The same backend carries the back-channel: a tool's server-to-client request (sampling, elicitation)
goes out on its stream, and the client's answer, a separate POST that may land on any worker, is
handed to the waiting call through :meth:`EventStore.deliver` / :meth:`EventStore.wait_for_reply`.

And it carries the fleet channel: small messages every worker hears (:meth:`EventStore.publish`),
so a client's cancellation reaches the call on whichever worker runs it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class StoreError(Exception):
    """The root of the store's errors; no backend's own exception types leave ``app.events``."""


class StoreUnavailable(StoreError):
    """The backend cannot be reached or did not answer in time."""


class StoreBusy(StoreUnavailable):
    """This worker already has as many blocking waits on the backend as it allows; try again soon."""


class StoreClosed(StoreUnavailable):
    """The store was closed (the worker is stopping): what a wait still under way ends with."""


class StreamNotFound(StoreError):
    """No such stream: never opened here, or expired."""


class ReplyTimeout(StoreError):
    """The client did not answer a server-to-client request in time."""


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    data: bytes
    """One serialised JSON-RPC message."""
    final: bool


@dataclass(slots=True)
class Opening:
    """What a stream is opened with: the request it answers, run by this worker, the caller it
    belongs to (a :attr:`~app.protocol.principal.Principal.key`) and the ``traceparent`` of the
    call's span, kept so a resume can link to it (empty without telemetry)."""

    request_id: str | int
    caller: str
    trace: str = ""


class EventStore(Protocol):
    """Subclass it to inherit :meth:`open` and :meth:`append`, both made of :meth:`append_many`."""

    async def append_many(
        self, stream_id: str, events: Sequence[bytes], *, final: bool = False, opening: Opening | None = None
    ) -> list[str]:
        """Store ``events`` in order, in one step (one round trip to a remote backend), and return
        their ids; with ``opening``, open the stream first, in the same step. ``final`` makes the last
        of ``events`` the final one, which closes the stream: later writes are refused."""

    async def open(self, stream_id: str, request_id: str | int, caller: str, trace: str = "") -> None:
        """Start a stream with no event yet (see :class:`Opening`)."""
        await self.append_many(stream_id, (), opening=Opening(request_id, caller, trace))

    async def append(self, stream_id: str, data: bytes, *, final: bool = False) -> str:
        """Store one event and return its id."""
        return (await self.append_many(stream_id, (data,), final=final))[0]

    async def trace_of(self, stream_id: str) -> str:
        """The ``trace`` a stream was opened with; empty when unknown."""

    def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        """Events after position ``after``, then new ones as they come, ending with the final event.

        Yields ``None`` whenever ``poll_seconds`` pass without an event, so the caller can send a
        keep-alive or give up. From the final event's position it ends at once. Raises
        ``StreamNotFound`` for an unknown stream, for a position the stream never had (past its last
        event, or not of this store's kind), and for a stream that belongs to another caller than
        ``caller`` (all look the same, so ids leak nothing). If the worker running the stream dies,
        a final JSON-RPC error is appended for it and delivered. :meth:`aclose` ends it with
        ``StoreClosed``.
        """

    async def expect_reply(self, request_id: str, timeout: float, caller: str) -> None:
        """Announce that a call of ``caller`` waits for the response to ``request_id``: call
        it before sending the request, so an answer that arrives at once is not lost."""

    async def deliver(self, request_id: str, message: dict[str, Any], caller: str) -> bool:
        """Hand a client's response to the call waiting for it; false if nobody is waiting for it, or
        if the call belongs to another caller than ``caller``."""

    async def wait_for_reply(self, request_id: str, timeout: float) -> dict[str, Any]:
        """The client's response to a request announced with ``expect_reply`` (raises ``ReplyTimeout``,
        or ``StoreClosed`` at once when :meth:`aclose` is called meanwhile)."""

    async def publish(self, topic: str, payload: bytes) -> None:
        """Deliver ``payload`` to every worker's handler for ``topic``, this worker's included. At most
        once: a worker that is not listening at that moment (Redis restarting) misses it."""

    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None:
        """Register this worker's handler for ``topic`` (one per topic; before or after :meth:`start`)."""

    async def start(self) -> None:
        """Start background work (heartbeat, the fleet channel's listener); idempotent, in the worker's loop."""

    async def aclose(self) -> None:
        """End every wait under way, stop background tasks and release connections."""
