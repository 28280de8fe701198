"""The authorization server's signing keys (a JWKS), fetched over HTTP and kept by ``kid``.

Keys are fetched on first use and again when a token names a ``kid`` we do not hold (the server
rotated its keys), but at most once per ``refetch_seconds``: a flood of tokens with made-up kids
costs one fetch per interval, and a real new key is found within one interval however many bogus
ones came before it. Concurrent misses share one fetch. The fetch runs in a thread with a timeout,
through ``urllib``, which honours ``HTTPS_PROXY``/``NO_PROXY``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from typing import Any

import jwt

logger = logging.getLogger("app.auth")
_MAX_JWKS_BYTES = 1024 * 1024


class KeySet:
    def __init__(self, url: str, *, timeout: float = 5.0, refetch_seconds: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.refetch_seconds = refetch_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._fetching: asyncio.Future[None] | None = None
        self._opener = urllib.request.build_opener()  # proxies from the environment, once

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The key for ``kid`` (the only key, when the token names none and the set has one)."""
        found = self._find(kid)
        if found is None and self._may_fetch():
            await self._refresh()
            found = self._find(kid)
        return found

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self.refetch_seconds

    async def _refresh(self) -> None:
        if self._fetching is not None:
            await asyncio.shield(self._fetching)
            return
        self._fetching = asyncio.get_running_loop().create_future()
        try:
            self._fetched_at = time.monotonic()  # a failed fetch waits its turn too
            document = await asyncio.to_thread(self._download)
            self._keys = _parse(document)
            logger.info("fetched %d signing keys from %s", len(self._keys), self.url)
        except (OSError, ValueError, jwt.PyJWKSetError) as exc:
            logger.warning("cannot fetch the JWKS from %s: %s", self.url, exc)
        finally:
            self._fetching.set_result(None)
            self._fetching = None

    def _download(self) -> Any:
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})
        with self._opener.open(request, timeout=self.timeout) as response:
            return json.loads(response.read(_MAX_JWKS_BYTES))


def _parse(document: Any) -> dict[str, jwt.PyJWK]:
    """Keys usable for signatures, by kid; keys PyJWT cannot use (unknown kty) are skipped."""
    keys: dict[str, jwt.PyJWK] = {}
    for number, data in enumerate(document.get("keys", []) if isinstance(document, dict) else []):
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(data)
        except (jwt.PyJWKError, jwt.InvalidKeyError) as exc:
            logger.warning("skipping JWKS key %s: %s", data.get("kid", number), exc)
            continue
        keys[str(data.get("kid", f"#{number}"))] = key
    return keys
