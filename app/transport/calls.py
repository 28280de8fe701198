"""The calls this worker is running, and the two things that stop one early.

A client's ``notifications/cancelled`` names a request id. It may reach any worker, so the worker
that receives it publishes the id on the store's fleet channel (topic ``cancel``) and every worker,
this one included, stops its calls with that id (:meth:`RunningCalls.cancel`). Ids are chosen by
clients and not unique across them, so without authentication a cancellation stops every running
call with that id.

A client that goes away is noticed by reading its connection, which costs a task: one scanner per
worker gives that task only to calls still running after ``DISCONNECT_WATCH_AFTER`` seconds, so a
quick call pays nothing. What a disconnect means depends on the reply: a resumable stream
(2025-11-25) runs on, because its client may resume it on any worker; any other call is stopped,
because nobody can receive its result any more.
"""

from __future__ import annotations

import asyncio
import enum
import time
from typing import Protocol

import orjson
from starlette.types import Receive

CANCEL_TOPIC = "cancel"
DISCONNECT_WATCH_AFTER = 1.0
"""Seconds a call runs before its connection is watched; with the scan interval, the longest delay
between a client leaving and its call stopping is about twice this."""
_SCAN_SECONDS = DISCONNECT_WATCH_AFTER / 2


class Stop(enum.Enum):
    CANCELLED = "cancelled"
    """The client sent ``notifications/cancelled``."""
    DISCONNECTED = "disconnected"


class Resumable(Protocol):
    stream_id: str | None
    """Set once the reply streams into the event store, so its client can resume it elsewhere."""


def cancel_key(request_id: str | int) -> bytes:
    """How a request id travels on the fleet channel (``1`` and ``"1"`` stay apart)."""
    return orjson.dumps(request_id)


class Call:
    __slots__ = ("key", "receive", "reply", "scope", "started", "stopped_by", "watcher")

    def __init__(self, key: bytes, receive: Receive, reply: Resumable | None) -> None:
        self.key = key
        self.receive = receive
        self.reply = reply
        self.started = time.monotonic()
        self.scope: asyncio.Timeout | None = None
        """The scope the call runs in; stopping the call expires it."""
        self.stopped_by: Stop | None = None
        self.watcher: asyncio.Task[None] | None = None

    def stop(self, reason: Stop) -> None:
        if self.stopped_by is None and self.scope is not None:
            self.stopped_by = reason
            self.scope.reschedule(0)  # due at once: the call's task is cancelled, the scope raises TimeoutError

    async def watch(self) -> None:
        """Wait for the client to go away (the request body was read, so only that can come)."""
        while (await self.receive())["type"] != "http.disconnect":
            pass
        if self.reply is None or self.reply.stream_id is None:
            self.stop(Stop.DISCONNECTED)


class RunningCalls:
    """One worker's calls, in the order they started."""

    def __init__(self) -> None:
        self._calls: dict[Call, None] = {}
        """Insertion-ordered: the scanner looks at the oldest first and stops at the first young one."""
        self._by_key: dict[bytes, list[Call]] = {}
        self._scanner: asyncio.Task[None] | None = None

    def start(self, request_id: str | int, receive: Receive, reply: Resumable | None) -> Call:
        call = Call(cancel_key(request_id), receive, reply)
        self._calls[call] = None
        self._by_key.setdefault(call.key, []).append(call)
        if self._scanner is None:
            self._scanner = asyncio.get_running_loop().create_task(self._scan())
        return call

    def end(self, call: Call) -> None:
        """Forget a call; from here on nothing stops it. Safe to call twice."""
        if call not in self._calls:
            return
        del self._calls[call]
        same = self._by_key[call.key]
        same.remove(call)
        if not same:
            del self._by_key[call.key]
        if call.watcher is not None:
            call.watcher.cancel()

    def cancel(self, key: bytes) -> None:
        """Stop this worker's calls with ``key`` (the handler of the fleet channel's ``cancel`` topic)."""
        for call in self._by_key.get(key, ()):
            call.stop(Stop.CANCELLED)

    def __len__(self) -> int:
        return len(self._calls)

    async def _scan(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(_SCAN_SECONDS)
            due = time.monotonic() - DISCONNECT_WATCH_AFTER
            for call in self._calls:
                if call.started > due:
                    break
                if call.watcher is None:
                    call.watcher = loop.create_task(call.watch())

    def stop(self) -> None:
        if self._scanner is not None:
            self._scanner.cancel()
            self._scanner = None
