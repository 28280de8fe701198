"""Every refusal leaves through one function: the era's status, the error's headers, a JSON-RPC body."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from app.protocol import errors
from app.protocol.versions import Era
from app.transport.http import accepts
from app.transport.responses import orphan_event, send_error


class Sent:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        status: int = self.messages[0]["status"]
        return status

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.messages[0]["headers"])

    @property
    def body(self) -> bytes:
        return b"".join(message.get("body", b"") for message in self.messages[1:])


@pytest.mark.parametrize(
    ("error", "era", "status"),
    [
        (errors.MethodNotFound("no such method"), Era.MODERN, 404),
        (errors.MethodNotFound("no such method"), Era.LEGACY, 200),
        (errors.HostNotAllowed("Host not allowed"), Era.LEGACY, 421),
        (errors.Unavailable("later"), Era.MODERN, 503),
    ],
)
async def test_send_error_writes_the_status_for_the_era_and_a_json_rpc_body(
    error: errors.MCPError, era: Era, status: int
) -> None:
    sent = Sent()
    await send_error(sent, error, era, "req-1")
    assert sent.status == status
    assert sent.headers[b"content-type"] == b"application/json"
    assert int(sent.headers[b"content-length"]) == len(sent.body)
    assert orjson.loads(sent.body) == {
        "jsonrpc": "2.0",
        "id": "req-1",
        "error": {"code": error.code, "message": error.message},
    }


async def test_a_405_is_empty_with_allow() -> None:
    sent = Sent()
    await send_error(sent, errors.MethodNotAllowed("no"), Era.LEGACY, None)
    assert (sent.status, sent.body, sent.headers[b"allow"]) == (405, b"", b"GET, POST")


def test_the_orphan_event_is_a_final_error_for_the_request() -> None:
    message = orjson.loads(orphan_event(42))
    assert message["id"] == 42 and message["error"]["code"] == -32603
    assert "send it again" in message["error"]["message"]


@pytest.mark.parametrize(
    ("accept", "json", "sse"),
    [
        (None, False, False),
        (b"application/json", True, False),
        (b"application/json, text/event-stream", True, True),
        (b"*/*", True, True),
        (b"text/*", False, True),
        (b"application/*;q=0.9", True, False),
    ],
)
def test_accepts_reads_media_types_and_wildcards(accept: bytes | None, json: bool, sse: bool) -> None:
    assert accepts(accept, b"application/json") is json
    assert accepts(accept, b"text/event-stream") is sse
