"""Reading an SSE response the way a client does: event by event, with ids and retry hints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class SSEEvent:
    id: str | None
    data: str
    retry: int | None

    @property
    def message(self) -> dict[str, Any] | None:
        """The JSON-RPC message, or None for a priming or comment-only event."""
        return json.loads(self.data) if self.data.strip() else None


def iter_events(response: httpx.Response) -> Iterator[SSEEvent]:
    event_id: str | None = None
    data: list[str] = []
    retry: int | None = None
    for line in response.iter_lines():
        if line == "":
            if event_id is not None or data or retry is not None:
                yield SSEEvent(event_id, "\n".join(data), retry)
            event_id, data, retry = None, [], None
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "id":
                event_id = value
            elif field == "data":
                data.append(value)
            elif field == "retry":
                retry = int(value)
    if event_id is not None or data:
        yield SSEEvent(event_id, "\n".join(data), retry)
