"""Event ids that carry their stream, so any worker can resume any stream from ``Last-Event-ID`` alone.

An id is ``<stream>.<position>``: the stream is a random hex token minted when a reply starts to
stream, the position is the store's own cursor (a counter in memory, an entry id in Redis). Both
halves are opaque to clients; only these two functions build and read them.
"""

from __future__ import annotations

import re
import secrets

_EVENT_ID = re.compile(r"([0-9a-f]{32})\.([0-9]+(?:-[0-9]+)?)")
START = "0"
"""The position before the first event: the priming event's, so a resume from it replays everything."""


def new_stream_id() -> str:
    return secrets.token_hex(16)


def make_event_id(stream_id: str, position: str) -> str:
    return f"{stream_id}.{position}"


def parse_event_id(event_id: str) -> tuple[str, str] | None:
    """``(stream, position)``, or ``None`` for an id this server did not mint."""
    found = _EVENT_ID.fullmatch(event_id)
    return (found[1], found[2]) if found else None
