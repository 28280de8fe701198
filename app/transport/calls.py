"""The calls this worker is running, and the three things that stop one early.

A client's ``notifications/cancelled`` names a request id. It may reach any worker, so the worker
that receives it publishes the id on the store's fleet channel (topic ``cancel``) and every worker,
this one included, stops its calls with that id (:meth:`RunningCalls.cancel`). Ids are chosen by
clients and not unique across them, so without authentication a cancellation stops every running
call with that id.

A call past its time limit (the deadline its context carries while the author's function runs) is
cancelled by the same scanner that watches the others, a few times a second, so a limit costs a
call no timer. A client that goes away is noticed by reading its connection, which costs a task:
the scanner gives that task only to calls still running after ``DISCONNECT_WATCH_AFTER`` seconds,
so a quick call pays nothing. What a disconnect means depends on the reply: a resumable stream
(2025-11-25) runs on, because its client may resume it on any worker; any other call is stopped,
because nobody can receive its result any more.
"""

from __future__ import annotations

import asyncio
import enum
import time
from typing import Any, Protocol

import orjson
from starlette.types import Receive

from app.protocol.context import Context

CANCEL_TOPIC = "cancel"
DISCONNECT_WATCH_AFTER = 1.0
"""Seconds a call runs before its connection is watched: a client that leaves has its call stopped
within about this, plus a scan."""
SCAN_SECONDS = 0.1
"""How often the scanner looks: a time limit is met within this."""


class Stop(enum.Enum):
    CANCELLED = "cancelled"
    """The client sent ``notifications/cancelled``."""
    DISCONNECTED = "disconnected"


class Resumable(Protocol):
    stream_id: str | None
    """Set once the reply streams into the event store, so its client can resume it elsewhere."""


def cancelled_request(params: dict[str, Any]) -> str | int | None:
    """The request a ``notifications/cancelled`` names, or ``None`` when it names none usable."""
    request_id = params.get("requestId")
    if isinstance(request_id, str | int) and not isinstance(request_id, bool):
        return request_id
    return None


def cancel_key(request_id: str | int) -> bytes:
    """How a request id travels on the fleet channel (``1`` and ``"1"`` stay apart)."""
    return orjson.dumps(request_id)


class Call:
    __slots__ = ("ctx", "receive", "reply", "started", "stopped_by", "task", "watcher")

    def __init__(self, ctx: Context, receive: Receive | None, reply: Resumable | None) -> None:
        self.ctx = ctx
        self.receive = receive
        """The connection to watch for the client leaving; ``None`` where there is none (stdio)."""
        self.reply = reply
        self.started = time.monotonic()
        self.task = asyncio.current_task()
        """The task the call runs in; stopping the call cancels it."""
        self.stopped_by: Stop | None = None
        self.watcher: asyncio.Task[None] | None = None

    def stop(self, reason: Stop) -> None:
        if self.stopped_by is None and self.task is not None:
            self.stopped_by = reason
            self.task.cancel()

    def stopped(self) -> Stop | None:
        """Why the call was stopped, once its ``CancelledError`` was caught (which this absorbs)."""
        if self.stopped_by is not None and self.task is not None:
            self.task.uncancel()
        return self.stopped_by

    def expire(self) -> None:
        """Cancel the call because its deadline passed; the runner turns that into the tool's error."""
        if self.stopped_by is None and self.task is not None:
            self.ctx.timed_out = True
            self.task.cancel()

    async def watch(self, receive: Receive) -> None:
        """Wait for the client to go away (the request body was read, so only that can come)."""
        while (await receive())["type"] != "http.disconnect":
            pass
        if self.reply is None or self.reply.stream_id is None:
            self.stop(Stop.DISCONNECTED)


class RunningCalls:
    """One worker's calls, in the order they started."""

    def __init__(self) -> None:
        self._calls: dict[Call, None] = {}
        """Insertion-ordered: the scanner looks at the oldest first and stops at the first young one."""
        self._scanner: asyncio.Task[None] | None = None

    def start(self, ctx: Context, receive: Receive | None, reply: Resumable | None = None) -> Call:
        """Track the call running in the current task until :meth:`end`."""
        call = Call(ctx, receive, reply)
        self._calls[call] = None
        if self._scanner is None:
            self._scanner = asyncio.get_running_loop().create_task(self._scan())
        return call

    def end(self, call: Call) -> None:
        """Forget a call; from here on nothing stops it."""
        del self._calls[call]
        if call.watcher is not None:
            call.watcher.cancel()

    def cancel(self, key: bytes) -> None:
        """Stop this worker's calls with the request id in ``key`` (the fleet channel's ``cancel``
        handler). Cancellations are rare, so a scan of the running calls costs less than an index
        every call would pay for."""
        request_id = orjson.loads(key)
        for call in self._calls:
            if call.ctx.request_id == request_id and type(call.ctx.request_id) is type(request_id):
                call.stop(Stop.CANCELLED)

    def __len__(self) -> int:
        return len(self._calls)

    async def _scan(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SCAN_SECONDS)
            now = time.monotonic()
            due = now - DISCONNECT_WATCH_AFTER
            for call in self._calls:
                deadline = call.ctx.deadline
                if deadline is not None and deadline <= now and not call.ctx.timed_out:
                    call.expire()
                if call.watcher is None and call.receive is not None and call.started <= due:
                    call.watcher = loop.create_task(call.watch(call.receive))

    def stop(self) -> None:
        if self._scanner is not None:
            self._scanner.cancel()
            self._scanner = None
