"""Who may talk to the MCP endpoint: ``Host`` and ``Origin`` allow-lists (the DNS-rebinding guard).

Patterns are compiled once; each distinct header value is judged once and remembered (a bounded
cache), so a request pays one dict lookup. A pattern without a port matches any port; ``*`` matches
anything, and ``*.example.com`` any subdomain. Authentication is a layer in front of the endpoint
(:mod:`app.layers`), not part of this guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CACHE_LIMIT = 1024
_CACHED_VALUE_LIMIT = 256
"""Longer values are judged every time: the cache holds at most 1024 x 256 bytes of client input."""


def _compile(pattern: str) -> str:
    if pattern == "*":
        return ".*"
    scheme, sep, rest = pattern.rpartition("://")
    has_port = re.search(r":(\d+|\*)$", rest) is not None
    regex = re.escape(rest).replace(r"\*", "[^/]*")
    if not has_port:
        regex += r"(?::\d+)?"
    return (re.escape(scheme + sep) if sep else "") + regex


class AllowList:
    """Matches header values (as bytes, straight from the ASGI scope) against patterns."""

    __slots__ = ("_cache", "_regex")

    def __init__(self, patterns: Iterable[str]) -> None:
        self._regex = re.compile("|".join(f"(?:{_compile(p)})" for p in patterns) or "(?!)", re.IGNORECASE)
        self._cache: dict[bytes, bool] = {}

    def allows(self, value: bytes) -> bool:
        verdict = self._cache.get(value)
        if verdict is None:
            verdict = self._regex.fullmatch(value.decode("latin-1")) is not None
            if len(self._cache) < _CACHE_LIMIT and len(value) <= _CACHED_VALUE_LIMIT:
                self._cache[value] = verdict
        return verdict
