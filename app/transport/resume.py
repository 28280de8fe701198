"""``GET`` with ``Last-Event-ID``: replay a stream's missed events, then follow it live to its end.

The stream may have been started by any worker of any replica; its id is inside the event id. The
reply is SSE with the original ids, so the client can resume again if this connection breaks too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator

from starlette.types import Receive, Send

from app.events.ids import parse_event_id
from app.events.store import Event, StoreError, StoreUnavailable, StreamNotFound
from app.protocol.errors import InternalError, InvalidRequest
from app.transport import sse
from app.transport.reply import ReplyOptions

POLL_SECONDS = 1.0


class ResumeRejected(Exception):
    def __init__(self, status: int, error: InvalidRequest | InternalError) -> None:
        self.status = status
        self.error = error


async def resume(last_event_id: bytes, options: ReplyOptions, receive: Receive, send: Send) -> None:
    """Serve the rest of a stream; errors before the first byte are raised as ``ResumeRejected``."""
    parsed = parse_event_id(last_event_id.decode("latin-1"))
    if parsed is None:
        raise ResumeRejected(400, InvalidRequest("Last-Event-ID is not an event id of this server"))
    stream_id, position = parsed
    events = options.store.follow(stream_id, position, poll_seconds=POLL_SECONDS)
    try:
        first = await anext(events)
    except StreamNotFound:
        raise ResumeRejected(404, InvalidRequest("Unknown or expired stream")) from None
    except StopAsyncIteration:
        first = None
    except StoreUnavailable as exc:
        raise ResumeRejected(503, InternalError(f"Cannot resume now: {exc}")) from None
    await send({"type": "http.response.start", "status": 200, "headers": sse.HEADERS})
    watcher = asyncio.get_running_loop().create_task(_wait_for_disconnect(receive))
    try:
        await _stream(first, events, options, send, watcher)
    finally:
        watcher.cancel()
        await events.aclose()


async def _stream(
    first: Event | None,
    events: AsyncGenerator[Event | None, None],
    options: ReplyOptions,
    send: Send,
    watcher: asyncio.Task[None],
) -> None:
    deadline = None if options.close_after_seconds is None else time.monotonic() + options.close_after_seconds
    silent_since = time.monotonic()
    event = first
    while True:
        if watcher.done():
            return
        if event is None:
            if time.monotonic() - silent_since >= options.keepalive_seconds:
                silent_since = time.monotonic()
                await send({"type": "http.response.body", "body": sse.KEEPALIVE, "more_body": True})
        else:
            silent_since = time.monotonic()
            body = sse.event(event.data, event.event_id)
            await send({"type": "http.response.body", "body": body, "more_body": not event.final})
            if event.final:
                return
        if options.draining or (deadline is not None and time.monotonic() >= deadline):
            await send({"type": "http.response.body", "body": sse.retry(options.retry_ms), "more_body": False})
            return
        try:
            event = await anext(events)
        except (StopAsyncIteration, StoreError):
            await send({"type": "http.response.body", "body": sse.retry(options.retry_ms), "more_body": False})
            return


async def _wait_for_disconnect(receive: Receive) -> None:
    with contextlib.suppress(Exception):
        while (await receive())["type"] != "http.disconnect":
            pass
