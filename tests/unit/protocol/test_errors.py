"""The error tree: every error knows its JSON-RPC code and its HTTP status in each era."""

from __future__ import annotations

import pytest

from app.protocol import errors
from app.protocol.errors import MCPError
from app.protocol.messages import error_response
from app.protocol.versions import Era

# (error class, JSON-RPC code in 2026-07-28, in the handshake era, HTTP status in 2026-07-28, in the handshake era)
TABLE = [
    (errors.ParseError, -32700, -32700, 400, 400),
    (errors.InvalidRequest, -32600, -32600, 400, 400),
    (errors.NotAcceptable, -32600, -32600, 406, 406),
    (errors.UnsupportedMediaType, -32600, -32600, 415, 415),
    (errors.BodyTooLarge, -32600, -32600, 413, 413),
    (errors.HostNotAllowed, -32600, -32600, 421, 421),
    (errors.OriginNotAllowed, -32600, -32600, 403, 403),
    (errors.MethodNotAllowed, -32600, -32600, 405, 405),
    (errors.Unauthorized, -32600, -32600, 401, 401),
    (errors.Forbidden, -32600, -32600, 403, 403),
    (errors.NotWaiting, -32600, -32600, 404, 404),
    (errors.BadEventId, -32600, -32600, 400, 400),
    (errors.UnknownStream, -32600, -32600, 404, 404),
    (errors.MethodNotFound, -32601, -32601, 404, 200),
    (errors.InvalidParams, -32602, -32602, 400, 200),
    (errors.InvalidMeta, -32602, -32602, 400, 400),
    (errors.UnknownTool, -32602, -32602, 400, 200),
    (errors.UnknownPrompt, -32602, -32602, 400, 200),
    (errors.InvalidCursor, -32602, -32602, 400, 200),
    (errors.ResourceNotFound, -32602, -32002, 400, 200),
    (errors.InternalError, -32603, -32603, 200, 200),
    (errors.Unavailable, -32603, -32603, 503, 503),
    (errors.RequestCancelled, -32800, -32800, 200, 200),
    (errors.HeaderMismatch, -32020, -32020, 400, 400),
    (errors.MissingCapability, -32021, -32021, 400, 400),
    (errors.UnsupportedProtocolVersion, -32022, -32022, 400, 400),
]


@pytest.mark.parametrize(("cls", "modern_code", "legacy_code", "modern_status", "legacy_status"), TABLE)
def test_each_error_has_its_code_and_status_per_era(
    cls: type[MCPError], modern_code: int, legacy_code: int, modern_status: int, legacy_status: int
) -> None:
    error = cls("why", b"Bearer") if issubclass(cls, errors.Unauthorized) else cls("why")
    assert (error.code_for(Era.MODERN), error.code_for(Era.LEGACY)) == (modern_code, legacy_code)
    assert (error.status(Era.MODERN), error.status(Era.LEGACY)) == (modern_status, legacy_status)


def test_the_table_covers_the_whole_tree() -> None:
    def subclasses(cls: type[MCPError]) -> set[type[MCPError]]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    tree = {cls for cls in subclasses(MCPError) if cls.__module__ == errors.__name__}
    assert tree == {row[0] for row in TABLE}


def test_every_error_class_is_drawn_in_the_module_docstring() -> None:
    assert errors.__doc__ is not None
    for cls, *_ in TABLE:
        assert cls.__name__ in errors.__doc__, cls.__name__


def test_a_405_has_no_body_and_names_the_allowed_methods() -> None:
    error = errors.MethodNotAllowed("no")
    assert not error.has_body
    assert dict(error.headers) == {b"allow": b"GET, POST"}


def test_error_response_carries_code_message_data_and_the_id_when_usable() -> None:
    error = errors.ResourceNotFound("gone", data={"uri": "x://1"})
    assert error_response(7, error, Era.LEGACY) == {
        "jsonrpc": "2.0",
        "id": 7,
        "error": {"code": -32002, "message": "gone", "data": {"uri": "x://1"}},
    }
    assert error_response(None, errors.ParseError("bad"), Era.MODERN) == {
        "jsonrpc": "2.0",
        "error": {"code": -32700, "message": "bad"},
    }


def test_tool_error_is_not_a_json_rpc_error() -> None:
    assert not issubclass(errors.ToolError, MCPError)
