"""Every error the server reports, each with its JSON-RPC code and its HTTP status per era.

::

    MCPError                         code     2026-07-28  handshake era
    ├── ParseError                   -32700   400         400   the body is not JSON
    ├── InvalidRequest               -32600   400         400   not one JSON-RPC request (batch, envelope)
    │   ├── NotAcceptable                     406         406   Accept lacks JSON or SSE
    │   ├── UnsupportedMediaType              415         415   Content-Type is not JSON
    │   ├── BodyTooLarge                      413         413   past FASTMCP_MAX_REQUEST_BODY_SIZE
    │   ├── HostNotAllowed                    421         421   Host not in FASTMCP_HTTP_ALLOWED_HOSTS
    │   ├── OriginNotAllowed                  403         403   Origin not in FASTMCP_HTTP_ALLOWED_ORIGINS
    │   ├── MethodNotAllowed                  405         405   a bare GET, a DELETE (no body, ``Allow``)
    │   ├── Unauthorized                      401         401   no token, or not a valid one (``WWW-Authenticate``)
    │   ├── Forbidden                         403         403   a valid token without the scopes needed
    │   ├── NotWaiting                        404         404   a response no call (of this caller) waits for
    │   ├── BadEventId                        400         400   Last-Event-ID not minted here
    │   └── UnknownStream                     404         404   Last-Event-ID of an unknown or expired stream
    ├── MethodNotFound               -32601   404         200   unknown method, or not one of this era's
    ├── InvalidParams                -32602   400         200   params the method cannot use
    │   ├── InvalidMeta                       400         400   ``_meta`` or a field of it malformed
    │   ├── UnknownTool / UnknownPrompt / InvalidCursor
    │   └── ResourceNotFound         -32002 in the handshake era
    ├── InternalError                -32603   200         200   a bug, masked by the engine
    │   └── Unavailable                       503         503   the event store cannot be reached now
    ├── RequestCancelled             -32800   200         200   stopped by the client's notifications/cancelled
    ├── HeaderMismatch               -32020   400         400   routing headers disagree with the body
    ├── MissingCapability            -32021   400         400   needs a client capability not declared
    └── UnsupportedProtocolVersion   -32022   400         400   with the versions we do speak

    ToolError                        raised by a tool's body: an ``isError`` result, not a JSON-RPC
                                     error, so the model reads what went wrong
    ├── ResourceError                raised by a resource's or a prompt's body (FastMCP's names): its
    └── PromptError                  message is the JSON-RPC error's, never masked

The handshake era answers every error about an admitted request with 200 (its clients read the
JSON-RPC error from the body); 2026-07-28 gives them statuses. Refusals of the HTTP request itself
have the same status in both eras. Errors are raised anywhere; :func:`app.protocol.messages.error_response`
turns one into a JSON-RPC error object and :meth:`MCPError.status` gives its HTTP status, nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.protocol.versions import Era


class MCPError(Exception):
    """A failure the client is told about as a JSON-RPC error object."""

    code: int = -32603
    http_status: int = 200
    """The status in 2026-07-28, and in the handshake era too unless ``legacy_http_status`` says otherwise."""
    legacy_http_status: int | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()
    """Extra response headers (``Allow`` on a 405, later ``WWW-Authenticate`` on a 401)."""
    has_body = True
    """False where the status says it all and clients expect an empty body."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def status(self, era: Era) -> int:
        if era is Era.LEGACY and self.legacy_http_status is not None:
            return self.legacy_http_status
        return self.http_status

    def code_for(self, era: Era) -> int:
        """The JSON-RPC code, which one error differs on between the eras."""
        return self.code


class ParseError(MCPError):
    code = -32700
    http_status = 400


class InvalidRequest(MCPError):
    code = -32600
    http_status = 400


class NotAcceptable(InvalidRequest):
    http_status = 406


class UnsupportedMediaType(InvalidRequest):
    http_status = 415


class BodyTooLarge(InvalidRequest):
    http_status = 413


class HostNotAllowed(InvalidRequest):
    """Answered 421 Misdirected Request: the name is not one this server answers to."""

    http_status = 421


class OriginNotAllowed(InvalidRequest):
    http_status = 403


class MethodNotAllowed(InvalidRequest):
    http_status = 405
    headers = ((b"allow", b"GET, POST"),)
    has_body = False


class Unauthorized(InvalidRequest):
    """Carries its ``WWW-Authenticate`` challenge, which points clients at the resource metadata."""

    http_status = 401

    def __init__(self, message: str, challenge: bytes) -> None:
        super().__init__(message)
        self.headers = ((b"www-authenticate", challenge),)


class Forbidden(Unauthorized):
    http_status = 403


class NotWaiting(InvalidRequest):
    """A client's response to a server-to-client request that no call of this caller waits for."""

    http_status = 404


class BadEventId(InvalidRequest):
    pass


class UnknownStream(InvalidRequest):
    http_status = 404


class MethodNotFound(MCPError):
    code = -32601
    http_status = 404
    legacy_http_status = 200


class InvalidParams(MCPError):
    code = -32602
    http_status = 400
    legacy_http_status = 200


class InvalidMeta(InvalidParams):
    """``params._meta`` or a field of it has the wrong type: a malformed request in either era."""

    legacy_http_status = 400


class UnknownTool(InvalidParams):
    pass


class UnknownPrompt(InvalidParams):
    pass


class InvalidCursor(InvalidParams):
    pass


class ResourceNotFound(InvalidParams):
    """The handshake era has a code of its own for this (-32002); 2026-07-28 folds it into -32602."""

    def code_for(self, era: Era) -> int:
        return -32002 if era is Era.LEGACY else self.code


class InternalError(MCPError):
    code = -32603


class Unavailable(InternalError):
    """The event store cannot be reached or did not answer in time: try again shortly."""

    http_status = 503


class RequestCancelled(MCPError):
    """The answer to a request its client cancelled, where the transport must still end the reply."""

    code = -32800


class HeaderMismatch(MCPError):
    code = -32020
    http_status = 400


class MissingCapability(MCPError):
    """The request needs a client capability (or extension) it did not declare; ``data`` names it."""

    code = -32021
    http_status = 400


class UnsupportedProtocolVersion(MCPError):
    code = -32022
    http_status = 400


class ToolError(Exception):
    """Raise from a tool to report a failure the caller (usually a model) should read and act on.

    Its message is sent as the text of an ``isError: true`` result, whatever the server's
    ``mask_error_details`` setting says about other exceptions.
    """


class ResourceError(ToolError):
    """Raise from a resource to fail the read with this message, shown whatever ``mask_error_details`` says."""


class PromptError(ToolError):
    """Raise from a prompt to fail the request with this message, shown whatever ``mask_error_details`` says."""


Refused = Callable[[MCPError, Era], None]
"""Told of each request refused with ``MCPError`` before a handler ran (telemetry counts them)."""
