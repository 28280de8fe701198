"""Who is calling (``ctx.principal``), and the ``WWW-Authenticate`` challenge that asks for more.

The auth layer (:mod:`app.auth`) resolves a :class:`Principal` from the request's bearer token;
with ``FASTMCP_AUTH=none`` every caller is :data:`ANONYMOUS`. What a caller starts (a resumable
stream, a question to its client) belongs to it, by :attr:`Principal.key`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    """The token's ``sub`` (or, for a static token, a digest of it)."""
    issuer: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)
    """Every claim of a JWT; empty for static tokens."""
    key: str = field(init=False)
    """A stable, opaque id for what the caller owns."""

    def __post_init__(self) -> None:
        key = hashlib.sha256(f"{self.issuer}\x00{self.subject}".encode()).hexdigest()[:32]
        object.__setattr__(self, "key", key)


ANONYMOUS = Principal("anonymous")
SCOPE_KEY = "mcp.principal"
"""Where the auth layer leaves the caller's :class:`Principal` in the ASGI scope."""


def bearer_challenge(metadata_url: str | None, *, error: str | None = None, scopes: Iterable[str] = ()) -> bytes:
    """An RFC 6750 ``WWW-Authenticate`` value pointing at the RFC 9728 resource metadata."""
    parts = []
    if error is not None:
        parts.append(f'error="{error}"')
    scope = " ".join(sorted(scopes))
    if scope:
        parts.append(f'scope="{scope}"')
    if metadata_url is not None:
        parts.append(f'resource_metadata="{metadata_url}"')
    return ("Bearer " + ", ".join(parts) if parts else "Bearer").encode()
