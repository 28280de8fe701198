"""The authentication layer: every request to the MCP endpoint shows a bearer token, or is refused.

Runs before the endpoint reads the body, so an unauthenticated client costs a header scan. The
token is read from the ``Authorization`` header only (RFC 6750 section 2.1; a token in the query
string is ignored), on every request, the resuming ``GET`` included. A refusal says nothing about
why beyond the RFC 6750 error code; the reason goes to the log.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.verifier import InvalidToken, Verifier
from app.protocol.errors import Forbidden, MCPError, Refused, Unauthorized
from app.protocol.principal import SCOPE_KEY, bearer_challenge
from app.protocol.versions import Era
from app.transport.responses import send_error

logger = logging.getLogger("app.auth")


class AuthLayer:
    def __init__(
        self,
        app: ASGIApp,
        verifier: Verifier,
        *,
        metadata_url: str | None,
        required_scopes: frozenset[str],
        on_refused: Refused | None = None,
    ) -> None:
        self.app = app
        self.on_refused = on_refused
        """Told of every refusal (telemetry counts them)."""
        self.verifier = verifier
        self.metadata_url = metadata_url
        self.required_scopes = required_scopes
        self._missing = bearer_challenge(metadata_url, scopes=required_scopes)
        self._invalid = bearer_challenge(metadata_url, error="invalid_token", scopes=required_scopes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
        if authorization is None:
            await self._refuse(send, Unauthorized("Authentication required", self._missing))
            return
        scheme, _, token = authorization.partition(b" ")
        try:
            if scheme.lower() != b"bearer" or not token.strip():
                raise InvalidToken("the Authorization header is not 'Bearer <token>'")
            principal = await self.verifier.verify(token.strip().decode("latin-1"))
        except InvalidToken as exc:
            logger.info("refused a token: %s", exc)
            await self._refuse(send, Unauthorized("Invalid or expired token", self._invalid))
            return
        if not self.required_scopes <= principal.scopes:
            challenge = bearer_challenge(self.metadata_url, error="insufficient_scope", scopes=self.required_scopes)
            await self._refuse(send, Forbidden("Insufficient scope", challenge))
            return
        scope[SCOPE_KEY] = principal
        await self.app(scope, receive, send)

    async def _refuse(self, send: Send, error: MCPError) -> None:
        if self.on_refused is not None:
            self.on_refused(error, Era.LEGACY)
        await send_error(send, error, Era.LEGACY, None)
