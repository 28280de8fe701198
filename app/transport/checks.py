"""What a POST must satisfy before the engine sees it: its era, and for 2026-07-28 its ``_meta`` and
the routing headers that mirror the body. Every failure is a :class:`Rejection`, raised before a byte
of the reply is sent, so it still gets its HTTP status.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from app.protocol.errors import HeaderMismatch, InvalidParams, MCPError, UnsupportedProtocolVersion
from app.protocol.versions import (
    DEFAULT_LEGACY_VERSION,
    LEGACY_VERSIONS,
    META_CLIENT_CAPABILITIES,
    META_PROTOCOL_VERSION,
    MODERN_VERSION,
    SUPPORTED_VERSIONS,
    Era,
)

_NAME_PARAM = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
"""Which ``params`` field the ``Mcp-Name`` header mirrors, per method."""


class Rejection(Exception):
    """An HTTP-level refusal decided before the body is handed to the engine."""

    def __init__(self, status: int, error: MCPError | None, era: Era = Era.LEGACY, request_id: Any = None) -> None:
        self.status = status
        self.error = error
        self.era = era
        self.request_id = request_id


def accepts(accept: bytes | None, media_type: bytes) -> bool:
    """Whether an ``Accept`` header admits ``media_type``, wildcards included (a substring test: the
    header is short and this runs on every request)."""
    if accept is None:
        return False
    return media_type in accept or b"*/*" in accept or (media_type.split(b"/")[0] + b"/*") in accept


def _decode_header(value: bytes) -> str:
    """Header values are ASCII, or ``=?base64?...?=`` for UTF-8 text (2026-07-28, ``Mcp-Name``)."""
    text = value.decode("latin-1")
    if text.startswith("=?base64?") and text.endswith("?="):
        try:
            return base64.b64decode(text[9:-2], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise HeaderMismatch("Mcp-Name is not valid base64-encoded UTF-8") from None
    return text


def classify_era(version: bytes | None, params: dict[str, Any], request_id: Any, duplicated: bool) -> tuple[Era, str]:
    """Which era a message speaks, from the version header and ``_meta`` (they must agree)."""
    meta = params.get("_meta")
    meta_version = meta.get(META_PROTOCOL_VERSION) if isinstance(meta, dict) else None
    if duplicated:
        raise Rejection(400, HeaderMismatch("A routing header is repeated"), Era.MODERN, request_id)
    if version is None:
        if meta_version is not None:
            mismatch = HeaderMismatch("The MCP-Protocol-Version header is required with per-request _meta")
            raise Rejection(400, mismatch, Era.MODERN, request_id)
        return Era.LEGACY, DEFAULT_LEGACY_VERSION
    header = version.decode("latin-1")
    if meta_version is not None and meta_version != header:
        mismatch = HeaderMismatch(f"MCP-Protocol-Version {header!r} does not match _meta ({meta_version!r})")
        raise Rejection(400, mismatch, Era.MODERN, request_id)
    if header in LEGACY_VERSIONS:
        return Era.LEGACY, header
    if header == MODERN_VERSION:
        return Era.MODERN, header
    unsupported = UnsupportedProtocolVersion(
        f"Unsupported protocol version: {header}", data={"supported": list(SUPPORTED_VERSIONS), "requested": header}
    )
    raise Rejection(400, unsupported, Era.MODERN, request_id)


def check_modern(
    params: dict[str, Any], method: str, mcp_method: bytes | None, mcp_name: bytes | None, request_id: Any
) -> None:
    """2026-07-28 requests carry their capabilities in ``_meta`` and mirror method and name in headers."""
    meta = params.get("_meta")
    if not isinstance(meta, dict) or not isinstance(meta.get(META_CLIENT_CAPABILITIES), dict):
        missing = InvalidParams(f"params._meta must carry {META_PROTOCOL_VERSION} and {META_CLIENT_CAPABILITIES}")
        raise Rejection(400, missing, Era.MODERN, request_id)
    if mcp_method is None or mcp_method.decode("latin-1") != method:
        raise Rejection(
            400, HeaderMismatch("Mcp-Method header missing or not the body's method"), Era.MODERN, request_id
        )
    field = _NAME_PARAM.get(method)
    if field is not None:
        try:
            matches = mcp_name is not None and _decode_header(mcp_name) == params.get(field)
        except HeaderMismatch as exc:
            raise Rejection(400, exc, Era.MODERN, request_id) from None
        if not matches:
            mismatch = HeaderMismatch(f"Mcp-Name header missing or not params.{field}")
            raise Rejection(400, mismatch, Era.MODERN, request_id)
