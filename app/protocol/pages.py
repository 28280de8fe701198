"""The four lists (tools, resources, templates, prompts), paginated and serialised once per revision.

A page never changes until the server registers something, so each one is built once per era and
cursor and reused as an ``orjson.Fragment``: ``tools/list`` costs a lookup, not a rebuild. The cursor
is the offset, so any worker can serve the next page; only cursors this server minted are cached, so
the cache is bounded by the number of pages, not by what clients send.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from app.protocol.errors import InvalidCursor
from app.protocol.registry import MCPServer
from app.protocol.versions import Era

_LISTS = {
    "tools/list": ("tools", "tools"),
    "resources/list": ("resources", "resources"),
    "resources/templates/list": ("resourceTemplates", "templates"),
    "prompts/list": ("prompts", "prompts"),
}
"""method -> (result key, registry attribute)."""


def cache_hints(ttl_ms: int) -> dict[str, Any]:
    """2026-07-28's caching fields, on every cacheable result."""
    return {"ttlMs": ttl_ms, "cacheScope": "public"}


class ListPages:
    def __init__(self, server: MCPServer, *, page_size: int, ttl_ms: int, result_meta: dict[str, Any]) -> None:
        self.server = server
        self.page_size = page_size
        self.ttl_ms = ttl_ms
        self.result_meta = result_meta
        self._pages: dict[tuple[str, Era, int], orjson.Fragment] = {}
        self._revision = server.revision

    def page(self, method: str, era: Era, cursor: str | None) -> orjson.Fragment:
        if self._revision != self.server.revision:
            self._pages.clear()
            self._revision = self.server.revision
        result_key, attribute = _LISTS[method]
        items: dict[str, Any] = getattr(self.server, attribute)
        offset = _decode_cursor(cursor, len(items))
        key = (method, era, offset)
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = self._build(result_key, items, era, offset)
        return page

    def _build(self, result_key: str, items: dict[str, Any], era: Era, offset: int) -> orjson.Fragment:
        definitions = [record.definition for record in items.values()]
        result: dict[str, Any] = {result_key: definitions[offset : offset + self.page_size]}
        if offset + self.page_size < len(items):
            result["nextCursor"] = base64.urlsafe_b64encode(str(offset + self.page_size).encode()).decode()
        if era is Era.MODERN:
            result.update(cache_hints(self.ttl_ms), resultType="complete", _meta=self.result_meta)
        return orjson.Fragment(orjson.dumps(result))


def _decode_cursor(cursor: str | None, length: int) -> int:
    if cursor is None:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(f"Invalid cursor: {cursor!r}") from None
    if not 0 < offset < length:
        raise InvalidCursor(f"Invalid cursor: {cursor!r}")
    return offset
