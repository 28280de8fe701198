"""``FASTMCP_AUTH=bearer``: static tokens from a file, one per line, as a mounted Kubernetes Secret.

A line is a token, optionally followed by the scopes it grants (``TOKEN tools:read tools:write``);
blank lines and ``#`` comments are skipped. The file is read again when its modification time
changes (checked at most once a second), so a rotated Secret takes effect without a restart.
Tokens are compared in constant time: the digest of the presented token against every known
digest, with no early exit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from pathlib import Path

from app.auth.verifier import InvalidToken
from app.protocol.principal import Principal

logger = logging.getLogger("app.auth")
_CHECK_SECONDS = 1.0


class StaticTokens:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._known: list[tuple[bytes, Principal]] = []
        self._mtime: float | None = None
        self._next_check = 0.0
        self._load()  # a missing or unreadable file stops start-up

    def _load(self) -> None:
        stat = self.path.stat()
        known = []
        for line in self.path.read_text().splitlines():
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            digest = hashlib.sha256(words[0].encode()).digest()
            known.append((digest, Principal(f"token:{digest.hex()[:16]}", scopes=frozenset(words[1:]))))
        if not known:
            logger.warning("%s holds no token: every request will be refused", self.path)
        self._known, self._mtime = known, stat.st_mtime

    def _reload_if_changed(self) -> None:
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + _CHECK_SECONDS
        try:
            if self.path.stat().st_mtime != self._mtime:
                self._load()
                logger.info("reloaded the bearer tokens from %s", self.path)
        except OSError as exc:
            logger.warning("cannot reread %s, keeping the tokens already loaded: %s", self.path, exc)

    async def verify(self, token: str) -> Principal:
        self._reload_if_changed()
        presented = hashlib.sha256(token.encode()).digest()
        found = None
        for digest, principal in self._known:
            if hmac.compare_digest(presented, digest) and found is None:
                found = principal
        if found is None:
            raise InvalidToken("unknown bearer token")
        return found
