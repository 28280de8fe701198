"""Whole HTTP responses of the endpoint: JSON bodies, empty ones, and every error, in one place.

:func:`send_error` is the one function that turns an error into bytes on the wire: its status for
the era (``MCPError.status``), its headers, and its JSON-RPC body.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Send

from app.protocol.errors import InternalError, MCPError
from app.protocol.messages import error_response
from app.protocol.versions import Era

_JSON = (b"content-type", b"application/json")


async def send_empty(send: Send, status: int, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0"), *headers]})
    await send({"type": "http.response.body", "body": b""})


async def send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = orjson.dumps(payload)
    headers = [_JSON, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_error(send: Send, error: MCPError, era: Era, request_id: str | int | None) -> None:
    """Refuse or fail a request before any byte of its reply was sent."""
    if not error.has_body:
        await send_empty(send, error.status(era), error.headers)
        return
    body = orjson.dumps(error_response(request_id, error, era))
    headers = [_JSON, (b"content-length", str(len(body)).encode()), *error.headers]
    await send({"type": "http.response.start", "status": error.status(era), "headers": headers})
    await send({"type": "http.response.body", "body": body})


def orphan_event(request_id: str | int) -> bytes:
    """The final event the store appends for a call whose worker died: the client may send it again."""
    error = InternalError("The worker running this request stopped before it finished; send it again")
    return orjson.dumps(error_response(request_id, error, Era.LEGACY))
