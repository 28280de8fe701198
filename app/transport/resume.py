"""``GET`` with ``Last-Event-ID``: replay a stream's missed events, then follow it live to its end.

The stream may have been started by any worker of any replica; its id is inside the event id. The
reply is SSE with the original ids, so the client can resume again if this connection breaks too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator

from starlette.types import Receive, Send

from app.events.ids import parse_event_id
from app.events.store import Event, EventStore, StoreError, StreamNotFound
from app.protocol.errors import BadEventId, Unavailable, UnknownStream
from app.transport import sse
from app.transport.streams import OpenStreams, StreamSettings

logger = logging.getLogger("app.transport")

POLL_SECONDS = 1.0


async def resume(
    last_event_id: bytes,
    store: EventStore,
    settings: StreamSettings,
    streams: OpenStreams,
    caller: str,
    receive: Receive,
    send: Send,
) -> None:
    """Serve the rest of a stream; a refusal is raised as an ``MCPError`` before the first byte."""
    parsed = parse_event_id(last_event_id.decode("latin-1"))
    if parsed is None:
        raise BadEventId("Last-Event-ID is not an event id of this server")
    stream_id, position = parsed
    events = store.follow(stream_id, position, poll_seconds=POLL_SECONDS, caller=caller)
    try:
        first = await anext(events)
    except StreamNotFound:
        raise UnknownStream("Unknown or expired stream") from None
    except StopAsyncIteration:
        first = None
    except StoreError as exc:  # unreachable, busy, closing, or an error of its own: never a 500
        logger.warning("cannot resume stream %s: %s", stream_id, exc)
        raise Unavailable("Cannot resume now: the event store is temporarily unavailable") from None
    await send({"type": "http.response.start", "status": 200, "headers": sse.HEADERS})
    watcher = asyncio.get_running_loop().create_task(_wait_for_disconnect(receive))
    try:
        await _stream(first, events, settings, streams, send, watcher)
    finally:
        watcher.cancel()
        await events.aclose()


async def _stream(
    first: Event | None,
    events: AsyncGenerator[Event | None, None],
    settings: StreamSettings,
    streams: OpenStreams,
    send: Send,
    watcher: asyncio.Task[None],
) -> None:
    close_after = settings.close_after_seconds
    deadline = None if close_after is None else time.monotonic() + close_after
    silent_since = time.monotonic()
    event = first
    while True:
        if watcher.done():
            return
        if event is None:
            if time.monotonic() - silent_since >= settings.keepalive_seconds:
                silent_since = time.monotonic()
                await send({"type": "http.response.body", "body": sse.KEEPALIVE, "more_body": True})
        else:
            silent_since = time.monotonic()
            body = sse.event(event.data, event.event_id)
            await send({"type": "http.response.body", "body": body, "more_body": not event.final})
            if event.final:
                return
        if streams.draining or (deadline is not None and time.monotonic() >= deadline):
            await send({"type": "http.response.body", "body": sse.retry(settings.retry_ms), "more_body": False})
            return
        try:
            event = await anext(events)
        except (StopAsyncIteration, StoreError):
            await send({"type": "http.response.body", "body": sse.retry(settings.retry_ms), "more_body": False})
            return


async def _wait_for_disconnect(receive: Receive) -> None:
    with contextlib.suppress(Exception):
        while (await receive())["type"] != "http.disconnect":
            pass
