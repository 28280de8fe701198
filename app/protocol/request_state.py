"""``requestState`` for 2026-07-28's multi round-trip requests, sealed so any replica can trust it.

The state travels through the client, which may be hostile, so it is sealed with AES-256-GCM under a
key of ``FASTMCP_REQUEST_STATE_KEYS`` and bound (as the cipher's associated data) to the method, a
digest of the request's parameters and the caller: a state presented with another call, by another
caller, after its expiry, or altered in one bit does not open. The first key seals and every key
opens, so a key is rotated by prepending the new one, rolling out, and dropping the old one once the
longest expiry has passed. A key's id is derived from the key itself (the first bytes of its
SHA-256), so nothing but the keys has to be configured.

Sealed: ``<key id><nonce><ciphertext>``, base64url without padding.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import time
from collections.abc import Sequence
from typing import Any

import orjson

from app.protocol.errors import InvalidParams

KEY_BYTES = 32
_KEY_ID_BYTES = 8
_NONCE_BYTES = 12
_HEAD = _KEY_ID_BYTES + _NONCE_BYTES
UNBOUND_PARAMS = frozenset({"_meta", "inputResponses", "requestState"})
"""What changes between an attempt and its retry, so is left out of the digest they share."""


class StateRefused(InvalidParams):
    """A ``requestState`` that does not open for this request (-32602, with what to do)."""


def decode_key(text: str) -> bytes:
    """A configured secret, hex or base64 (standard or URL-safe), of at least 32 bytes."""
    text = text.strip()
    candidates = []
    with contextlib.suppress(ValueError):
        candidates.append(bytes.fromhex(text))
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(binascii.Error, ValueError):
            candidates.append(decode(text + "=" * (-len(text) % 4)))
    for key in candidates:
        if len(key) >= KEY_BYTES:
            return key
    raise ValueError("each key must be at least 32 random bytes, written in hex or base64")


def params_digest(method: str, params: dict[str, Any]) -> bytes:
    """What ties a state to one request: the method and every parameter but the retry's own."""
    salient = {key: value for key, value in params.items() if key not in UNBOUND_PARAMS}
    return hashlib.sha256(method.encode() + b"\0" + orjson.dumps(salient, option=orjson.OPT_SORT_KEYS)).digest()


class StateSealer:
    def __init__(self, keys: Sequence[bytes], ttl_seconds: float) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self.keys = list(keys)
        self.ttl_seconds = ttl_seconds
        self._ciphers: dict[bytes, Any] | None = None

    def _cipher(self, key_id: bytes | None = None) -> tuple[bytes, Any] | None:
        """The cipher of ``key_id`` (the sealing key's by default). ``cryptography`` is loaded on the
        first question a tool asks a 2026-07-28 client, not at start-up."""
        if self._ciphers is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._ciphers = {self._key_id(key): AESGCM(hashlib.sha256(key).digest()) for key in self.keys}
        if key_id is None:
            key_id = self._key_id(self.keys[0])
        cipher = self._ciphers.get(key_id)
        return (key_id, cipher) if cipher is not None else None

    @classmethod
    def generated(cls, ttl_seconds: float) -> StateSealer:
        """A key of this process's own: enough when one process answers every retry."""
        return cls([os.urandom(KEY_BYTES)], ttl_seconds)

    @staticmethod
    def _key_id(key: bytes) -> bytes:
        return hashlib.sha256(b"mcp-request-state-key-id\0" + key).digest()[:_KEY_ID_BYTES]

    def seal(self, payload: dict[str, Any], binding: bytes) -> str:
        sealing = self._cipher()
        assert sealing is not None
        key_id, cipher = sealing
        nonce = os.urandom(_NONCE_BYTES)
        body = orjson.dumps({**payload, "exp": time.time() + self.ttl_seconds})
        sealed = key_id + nonce + cipher.encrypt(nonce, body, key_id + binding)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def open(self, state: object, binding: bytes) -> dict[str, Any]:
        """The payload of a state sealed for ``binding``; ``StateRefused`` for anything else."""
        from cryptography.exceptions import InvalidTag

        if not isinstance(state, str) or len(state) > 1_000_000:
            raise StateRefused("params.requestState must be the string this server sent")
        try:
            raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))
        except (binascii.Error, ValueError):
            raise StateRefused("params.requestState is not a state this server sent") from None
        key_id, nonce, sealed = raw[:_KEY_ID_BYTES], raw[_KEY_ID_BYTES:_HEAD], raw[_HEAD:]
        opening = self._cipher(key_id)
        if opening is None or len(nonce) != _NONCE_BYTES:
            raise StateRefused("params.requestState was sealed by no key this server has; start the request again")
        cipher = opening[1]
        try:
            payload: dict[str, Any] = orjson.loads(cipher.decrypt(nonce, sealed, key_id + binding))
        except InvalidTag:
            raise StateRefused(
                "params.requestState does not belong to this request (altered, another call's, or another caller's)"
            ) from None
        if payload.get("exp", 0) < time.time():
            raise StateRefused("params.requestState has expired; start the request again")
        return payload
