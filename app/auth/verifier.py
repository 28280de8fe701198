"""What both token checks share: the verifier interface, its one error, and reading scopes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from app.protocol.principal import Principal


class InvalidToken(Exception):
    """The token is malformed, unknown, expired or otherwise not acceptable; the message is for the
    log, never for the client."""


class Verifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """The caller a bearer token stands for, or :class:`InvalidToken`."""
        ...


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """Scopes from ``scope`` (space-separated, RFC 9068) or ``scp`` (a list, as some providers send)."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        return frozenset(scope.split())
    scp = claims.get("scp")
    if isinstance(scp, list):
        return frozenset(item for item in scp if isinstance(item, str))
    if isinstance(scp, str):
        return frozenset(scp.split())
    return frozenset()
