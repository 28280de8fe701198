"""The errors the protocol engine raises, each with its JSON-RPC code.

::

    MCPError                      code, message, data
    ├── ParseError                -32700  the body is not JSON
    ├── InvalidRequest            -32600  not a single JSON-RPC request (batch, bad envelope)
    ├── MethodNotFound            -32601  unknown method, or one this era or server does not offer
    ├── InvalidParams             -32602  params the method cannot use
    │   ├── UnknownTool / UnknownPrompt
    │   ├── ResourceNotFound      -32002 for the handshake era, -32602 for 2026-07-28
    │   └── InvalidCursor
    ├── InternalError             -32603
    ├── HeaderMismatch            -32020  HTTP routing headers disagree with the body
    ├── MissingClientCapability   -32021  the call needs a capability the request did not declare
    └── UnsupportedProtocolVersion -32022 with the versions we do speak

    ToolError                     raised by a tool's body: becomes an ``isError`` result, not a
                                  JSON-RPC error, so the model sees what went wrong

Errors are raised anywhere and turned into JSON-RPC error objects in one place
(:func:`app.protocol.messages.error_response`); the HTTP transport alone picks the status code.
"""

from __future__ import annotations

from typing import Any


class MCPError(Exception):
    """A failure the client is told about as a JSON-RPC error object."""

    code: int = -32603

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class ParseError(MCPError):
    code = -32700


class InvalidRequest(MCPError):
    code = -32600


class MethodNotFound(MCPError):
    code = -32601


class InvalidParams(MCPError):
    code = -32602


class UnknownTool(InvalidParams):
    pass


class UnknownPrompt(InvalidParams):
    pass


class ResourceNotFound(InvalidParams):
    """The handshake era has a code of its own for this (-32002); 2026-07-28 folds it into -32602."""

    legacy_code = -32002


class InvalidCursor(InvalidParams):
    pass


class InternalError(MCPError):
    code = -32603


class HeaderMismatch(MCPError):
    code = -32020


class MissingClientCapability(MCPError):
    code = -32021


class UnsupportedProtocolVersion(MCPError):
    code = -32022


class ToolError(Exception):
    """Raise from a tool to report a failure the caller (usually a model) should read and act on.

    Its message is sent as the text of an ``isError: true`` result, whatever the server's
    ``mask_error_details`` setting says about other exceptions.
    """
