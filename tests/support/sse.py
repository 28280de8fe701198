"""The tests' one SSE parser: a ``text/event-stream`` reply read event by event, as a client reads it.

:class:`SSEDecoder` applies the WHATWG rules for the fields MCP uses (``id``, ``event``, ``data``,
``retry``) one line at a time, so the same rules serve a whole body (:func:`parse_events`), a
streamed ``httpx.Response`` (:func:`iter_events`) and async lines (:func:`aiter_events`). Unlike a
browser, an event's ``id`` is only what that event said, never carried over from an earlier one: tests
assert on what the server sent.

::

    with client.stream("POST", url, json=body, headers=headers) as response:
        for event in iter_events(response):
            print(event.id, event.message)
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["SSEDecoder", "SSEEvent", "aiter_events", "iter_events", "parse_events"]

_LINE_END = re.compile(r"\r\n|\r|\n")
"""SSE's line endings, and only those: ``str.splitlines`` would also split JSON text at U+2028."""


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    @property
    def message(self) -> dict[str, Any] | None:
        """The JSON-RPC message, or None for an event without data (a priming event)."""
        return json.loads(self.data) if self.data.strip() else None


class SSEDecoder:
    """Turns lines (without their endings) into events: one comes out at each blank line that ends
    an event. Comments are skipped, and so is a ``retry`` that is not a number, as a browser does."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None

    def decode(self, line: str) -> SSEEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def end(self) -> SSEEvent | None:
        """The last event, if the stream ended without the blank line that should close it."""
        return self._dispatch()

    def _dispatch(self) -> SSEEvent | None:
        if not self._data and self._id is None and self._retry is None:
            self._event = None
            return None
        event = SSEEvent("\n".join(self._data), self._event, self._id, self._retry)
        self._data, self._event, self._id, self._retry = [], None, None, None
        return event


def parse_events(source: str | Iterable[str]) -> Iterator[SSEEvent]:
    """The events of a whole body (``str``) or of lines without their endings."""
    decoder = SSEDecoder()
    for line in _LINE_END.split(source) if isinstance(source, str) else source:
        if (event := decoder.decode(line)) is not None:
            yield event
    if (event := decoder.end()) is not None:
        yield event


def iter_events(response: httpx.Response) -> Iterator[SSEEvent]:
    """The events of a streamed response, each as soon as it is complete."""
    return parse_events(response.iter_lines())


async def aiter_events(lines: AsyncIterable[str]) -> AsyncIterator[SSEEvent]:
    """The events of async lines (``response.aiter_lines()``), each as soon as it is complete."""
    decoder = SSEDecoder()
    async for line in lines:
        if (event := decoder.decode(line)) is not None:
            yield event
    if (event := decoder.end()) is not None:
        yield event
