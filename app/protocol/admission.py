"""Admission: one parsed message becomes one checked :class:`Admitted` record, for every transport.

Everything the rest of the server reads from a request's envelope (its kind, era, protocol version,
``_meta``, client capabilities, log level, progress token) is type-checked here, once, so code
further in can trust the shapes. HTTP passes the routing headers that 2026-07-28 mirrors from the
body; stdio has none and passes ``None``.

Every error raised here has the same HTTP status and JSON-RPC code in both eras (the era may be what
failed to be decided), so a transport can answer it before it knows the era.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from app.protocol.context import LOG_LEVELS
from app.protocol.errors import HeaderMismatch, InvalidMeta, InvalidRequest, UnsupportedProtocolVersion
from app.protocol.messages import Kind, classify
from app.protocol.versions import (
    LEGACY_VERSIONS,
    META_CLIENT_CAPABILITIES,
    META_LOG_LEVEL,
    META_PROTOCOL_VERSION,
    MODERN_VERSION,
    SUPPORTED_VERSIONS,
    Era,
)

_NAME_PARAM = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "taskId",
    "tasks/update": "taskId",
    "tasks/cancel": "taskId",
}
"""Which ``params`` field the ``Mcp-Name`` header mirrors, per method."""
_EMPTY: dict[str, Any] = {}


@dataclass(slots=True)
class RoutingHeaders:
    """The raw values of the headers an HTTP request routes by; ``repeated`` when one came twice."""

    version: bytes | None = None
    method: bytes | None = None
    name: bytes | None = None
    repeated: bool = False


@dataclass(slots=True)
class Admitted:
    """A message that passed admission; for a response only ``kind``, ``message`` and ``era`` matter."""

    kind: Kind
    message: dict[str, Any]
    request_id: Any
    """The request's id (a string or an integer once admitted); ``None`` for a notification."""
    method: Any
    """The method (a string); ``None`` for a response."""
    era: Era
    protocol_version: str
    params: dict[str, Any]
    meta: dict[str, Any]
    client_capabilities: dict[str, Any]
    """Declared per request in 2026-07-28; unknown (empty) for stateless handshake-era requests."""
    log_level: str | None
    """What a 2026-07-28 request asked for in ``_meta``; ``None`` otherwise."""
    progress_token: str | int | float | None


def admit(message: Any, routing: RoutingHeaders | None, *, legacy_version: str, max_id_length: int = 256) -> Admitted:
    """Check one parsed message. ``legacy_version`` is what a handshake-era message speaks when nothing
    says otherwise: 2025-03-26 over HTTP without a version header, the negotiated version on stdio.
    Ids and progress tokens are repeated in every event of a reply and kept with resumable streams,
    so a string one may be at most ``max_id_length`` characters."""
    kind = classify(message)
    request_id = message.get("id")
    if type(request_id) is str and len(request_id) > max_id_length:
        raise InvalidRequest(f"id is longer than {max_id_length} characters")
    params: dict[str, Any] = message.get("params") or _EMPTY
    meta = params.get("_meta", _EMPTY)
    if type(meta) is not dict:
        raise InvalidMeta("params._meta must be an object")
    meta_version = meta.get(META_PROTOCOL_VERSION)
    if meta_version is not None and type(meta_version) is not str:
        raise InvalidMeta(f"params._meta.{META_PROTOCOL_VERSION} must be a string")
    if routing is None:
        era, version = _era_from_meta(meta_version, legacy_version)
    else:
        era, version = _era_from_headers(routing, meta_version, legacy_version)
    if kind is not Kind.REQUEST:
        return Admitted(
            kind, message, request_id, message.get("method"), era, version, params, meta, _EMPTY, None, None
        )

    token = meta.get("progressToken")
    if token is not None and type(token) not in (str, int, float):
        raise InvalidMeta("params._meta.progressToken must be a string or a number")
    if type(token) is str and len(token) > max_id_length:
        raise InvalidMeta(f"params._meta.progressToken is longer than {max_id_length} characters")
    if era is Era.LEGACY:
        return Admitted(kind, message, request_id, message["method"], era, version, params, meta, _EMPTY, None, token)

    capabilities = meta.get(META_CLIENT_CAPABILITIES)
    if type(capabilities) is not dict:
        raise InvalidMeta(f"params._meta must carry {META_PROTOCOL_VERSION} and {META_CLIENT_CAPABILITIES}")
    log_level = meta.get(META_LOG_LEVEL)
    if log_level is not None and (type(log_level) is not str or log_level not in LOG_LEVELS):
        raise InvalidMeta(f"params._meta.{META_LOG_LEVEL} must be one of {', '.join(LOG_LEVELS)}")
    if routing is not None:
        _check_routing(routing, message["method"], params)
    return Admitted(
        kind, message, request_id, message["method"], era, version, params, meta, capabilities, log_level, token
    )


def _era_from_meta(meta_version: str | None, legacy_version: str) -> tuple[Era, str]:
    """Without headers (stdio) the ``_meta`` alone says whether a message is 2026-07-28."""
    if meta_version is None:
        return Era.LEGACY, legacy_version
    if meta_version == MODERN_VERSION:
        return Era.MODERN, MODERN_VERSION
    raise _unsupported(meta_version)


def _era_from_headers(routing: RoutingHeaders, meta_version: str | None, legacy_version: str) -> tuple[Era, str]:
    """Which era an HTTP message speaks, from the version header and ``_meta`` (they must agree)."""
    if routing.repeated:
        raise HeaderMismatch("A routing header is repeated")
    if routing.version is None:
        if meta_version is not None:
            raise HeaderMismatch("The MCP-Protocol-Version header is required with per-request _meta")
        return Era.LEGACY, legacy_version
    header = routing.version.decode("latin-1")
    if meta_version is not None and meta_version != header:
        raise HeaderMismatch(f"MCP-Protocol-Version {header!r} does not match _meta ({meta_version!r})")
    if header in LEGACY_VERSIONS:
        return Era.LEGACY, header
    if header == MODERN_VERSION:
        return Era.MODERN, header
    raise _unsupported(header)


def _unsupported(requested: str) -> UnsupportedProtocolVersion:
    return UnsupportedProtocolVersion(
        f"Unsupported protocol version: {requested}",
        data={"supported": list(SUPPORTED_VERSIONS), "requested": requested},
    )


def _check_routing(routing: RoutingHeaders, method: str, params: dict[str, Any]) -> None:
    """2026-07-28 mirrors the method, and the name of what it acts on, in headers a proxy can route by."""
    if routing.method is None or routing.method.decode("latin-1") != method:
        raise HeaderMismatch("Mcp-Method header missing or not the body's method")
    field = _NAME_PARAM.get(method)
    if field is not None and (routing.name is None or decode_header(routing.name) != params.get(field)):
        raise HeaderMismatch(f"Mcp-Name header missing or not params.{field}")


def decode_header(value: bytes) -> str:
    """Header values are ASCII, or ``=?base64?...?=`` for UTF-8 text (2026-07-28, ``Mcp-Name``)."""
    text = value.decode("latin-1")
    if text.startswith("=?base64?") and text.endswith("?="):
        try:
            return base64.b64decode(text[9:-2], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise HeaderMismatch("Mcp-Name is not valid base64-encoded UTF-8") from None
    return text
