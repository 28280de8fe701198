"""Protocol versions this server speaks, and which era each belongs to.

Two eras share one endpoint: the handshake era (``initialize`` negotiates a version once; 2025-03-26,
2025-06-18, 2025-11-25) and the modern era (2026-07-28: every request carries its version and client
capabilities in ``params._meta``). A request's era decides which methods exist, how results are shaped
and which HTTP status an error gets.
"""

from __future__ import annotations

import enum

MODERN_VERSION = "2026-07-28"
LATEST_LEGACY_VERSION = "2025-11-25"
DEFAULT_LEGACY_VERSION = "2025-03-26"
"""What a request with no ``MCP-Protocol-Version`` header and no modern ``_meta`` is taken to speak."""

LEGACY_VERSIONS = frozenset({"2025-03-26", "2025-06-18", "2025-11-25"})
SUPPORTED_VERSIONS = (MODERN_VERSION, "2025-11-25", "2025-06-18", "2025-03-26")
"""Modern first, as ``server/discover`` and ``-32022`` list them."""

META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
META_LOG_LEVEL = "io.modelcontextprotocol/logLevel"
META_SERVER_INFO = "io.modelcontextprotocol/serverInfo"


class Era(enum.Enum):
    """The two ways a request can carry its protocol version."""

    LEGACY = "legacy"
    MODERN = "modern"


def negotiate_legacy(requested: object) -> str:
    """The version an ``initialize`` answers with: the client's when we speak it, else the latest legacy.

    ``initialize`` belongs to the handshake era, so it never offers 2026-07-28, even to a client that asks
    for it: such a client learns about the modern era from ``server/discover`` or a ``-32022`` error.
    """
    if isinstance(requested, str) and requested in LEGACY_VERSIONS:
        return requested
    return LATEST_LEGACY_VERSION


def at_least(version: str, minimum: str) -> bool:
    """Compare two date-shaped versions (they sort as strings)."""
    return version >= minimum
