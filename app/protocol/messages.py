"""JSON-RPC envelopes: telling requests from notifications and responses, and building replies.

Every transport parses a message into a plain dict and asks :func:`classify` what it is; every
error leaves the engine through :func:`error_response`, the one place an exception becomes a
JSON-RPC error object.
"""

from __future__ import annotations

import enum
from typing import Any

from app.protocol.errors import InvalidRequest, MCPError
from app.protocol.versions import Era

JSONRPC = "2.0"


class Kind(enum.Enum):
    REQUEST = "request"
    NOTIFICATION = "notification"
    RESPONSE = "response"
    """A client's answer to a server-to-client request (sampling, elicitation)."""


def classify(message: Any) -> Kind:
    """What a parsed body is; anything that is not one JSON-RPC message raises ``InvalidRequest``."""
    if isinstance(message, list):
        raise InvalidRequest("Batches are not supported: send one JSON-RPC message per request")
    if not isinstance(message, dict) or message.get("jsonrpc") != JSONRPC:
        raise InvalidRequest("Not a JSON-RPC 2.0 message")
    method = message.get("method")
    if method is None:
        if "id" in message and ("result" in message) != ("error" in message):
            return Kind.RESPONSE
        raise InvalidRequest("A JSON-RPC message needs a method, or a result or error")
    if not isinstance(method, str):
        raise InvalidRequest("method must be a string")
    params = message.get("params")
    if params is not None and not isinstance(params, dict):
        raise InvalidRequest("params must be an object")
    if "id" not in message:
        return Kind.NOTIFICATION
    request_id = message["id"]
    if type(request_id) not in (str, int):
        raise InvalidRequest("id must be a string or an integer")
    return Kind.REQUEST


def request_id_of(message: Any) -> str | int | None:
    """The id to echo in an error reply: the request's, when it has a usable one."""
    if isinstance(message, dict):
        request_id = message.get("id")
        if type(request_id) in (str, int):
            return request_id
    return None


def result_response(request_id: str | int, result: Any) -> dict[str, Any]:
    return {"jsonrpc": JSONRPC, "id": request_id, "result": result}


def error_object(exc: MCPError, era: Era) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code_for(era), "message": exc.message}
    if exc.data is not None:
        error["data"] = exc.data
    return error


def error_response(request_id: str | int | None, exc: MCPError, era: Era) -> dict[str, Any]:
    response: dict[str, Any] = {"jsonrpc": JSONRPC, "error": error_object(exc, era)}
    if request_id is not None:
        response["id"] = request_id
    return response


def notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": JSONRPC, "method": method, "params": params}
