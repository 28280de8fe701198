"""``FASTMCP_AUTH=jwt``: signed access tokens, verified against the authorization server's JWKS.

Checked: the signature (with a key from the JWKS, by ``kid``, and only an algorithm from the
allow-list, so ``none`` and an HMAC made with the public key are refused), ``iss`` exactly as
configured, ``aud`` (the resource URL unless ``FASTMCP_AUTH_AUDIENCE`` says otherwise), ``exp`` and
``nbf`` with a small leeway. Tokens that passed are remembered until they expire (a bounded cache
keyed by the verified token), so a client that sends the same token on every request pays for one
signature check, not one per request.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence

import jwt

from app.auth.jwks import KeySet
from app.auth.verifier import InvalidToken, scopes_of
from app.protocol.principal import Principal

logger = logging.getLogger("app.auth")
LEEWAY_SECONDS = 30
_CACHE_SECONDS = 300
"""A verified token is trusted again without a check for at most this long (and never past ``exp``)."""


class JWTVerifier:
    def __init__(
        self, keys: KeySet, *, issuer: str, audience: str, algorithms: Sequence[str], cache_size: int = 4096
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = list(algorithms)
        self.cache_size = cache_size
        """Verified tokens remembered, least recently used first out: a bound, whatever clients send."""
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        principal, valid_until = await self._check(token)
        self._remember(token, principal, valid_until)
        return principal

    async def _check(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"not a JWT: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} is not allowed")
        kid = header.get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise InvalidToken(f"no signing key {kid!r} in the JWKS")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        subject = claims.get("sub")
        client_id = claims.get("client_id", claims.get("azp"))
        principal = Principal(
            str(subject) if subject is not None else f"client:{client_id}",
            issuer=self.issuer,
            client_id=str(client_id) if client_id is not None else None,
            scopes=scopes_of(claims),
            claims=claims,
        )
        return principal, min(float(claims["exp"]) + LEEWAY_SECONDS, time.time() + _CACHE_SECONDS)

    def _remember(self, token: str, principal: Principal, valid_until: float) -> None:
        self._verified[token] = (valid_until, principal)
        self._verified.move_to_end(token)
        while len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
