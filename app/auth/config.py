"""From settings to the authentication layer and the verifier behind it (imported only when
``FASTMCP_AUTH`` asks for authentication: PyJWT and cryptography cost memory and start-up time)."""

from __future__ import annotations

from starlette.types import ASGIApp

from app.auth.jwks import KeySet
from app.auth.jwt_tokens import JWTVerifier
from app.auth.layer import AuthLayer
from app.auth.metadata import resource_metadata_url
from app.auth.static_tokens import StaticTokens
from app.auth.verifier import Verifier
from app.layers import Layer
from app.protocol.errors import Refused
from app.settings import Settings


def verifier(settings: Settings) -> Verifier | None:
    if settings.auth == "bearer":
        assert settings.auth_bearer_tokens_file is not None  # the settings' validator says so
        return StaticTokens(settings.auth_bearer_tokens_file)
    if settings.auth == "jwt":
        assert settings.auth_jwks_url  # the settings' validator says so, for these three
        assert settings.auth_issuer
        assert settings.auth_resource_url
        return JWTVerifier(
            KeySet(settings.auth_jwks_url, refetch_seconds=settings.auth_jwks_refetch_seconds),
            issuer=settings.auth_issuer,
            audience=settings.auth_audience or settings.auth_resource_url,
            algorithms=settings.auth_algorithms,
            cache_size=settings.auth_token_cache_size,
        )
    return None


def auth_layer(settings: Settings, on_refused: Refused | None = None) -> Layer:
    """The layer that resolves every caller."""
    found = verifier(settings)
    if found is None:
        raise ValueError(f"FASTMCP_AUTH={settings.auth} has no authentication layer")
    metadata, required = resource_metadata_url(settings), frozenset(settings.auth_required_scopes)

    def layer(app: ASGIApp) -> ASGIApp:
        return AuthLayer(app, found, metadata_url=metadata, required_scopes=required, on_refused=on_refused)

    return layer
