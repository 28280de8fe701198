"""From settings to the pieces of authentication: the verifier, the layer, the metadata routes."""

from __future__ import annotations

from starlette.routing import Route
from starlette.types import ASGIApp

from app.auth.jwks import KeySet
from app.auth.jwt_tokens import JWTVerifier
from app.auth.layer import AuthLayer
from app.auth.metadata import metadata_routes, metadata_url
from app.auth.static_tokens import StaticTokens
from app.auth.verifier import Verifier
from app.layers import Layer
from app.settings import Settings


def resource_metadata_url(settings: Settings) -> str | None:
    """Where clients find this server's RFC 9728 metadata; ``None`` without a resource URL or auth."""
    if settings.auth in ("bearer", "jwt") and settings.auth_resource_url:
        return metadata_url(settings.auth_resource_url)
    return None


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
        )
    return None


def auth_layer(settings: Settings) -> Layer | None:
    """The layer that resolves every caller, when ``FASTMCP_AUTH`` asks for one."""
    found = verifier(settings)
    if found is None:
        return None
    metadata, required = resource_metadata_url(settings), frozenset(settings.auth_required_scopes)

    def layer(app: ASGIApp) -> ASGIApp:
        return AuthLayer(app, found, metadata_url=metadata, required_scopes=required)

    return layer


def auth_routes(settings: Settings, scopes: frozenset[str]) -> list[Route]:
    """The resource metadata routes; ``scopes`` are those the server's tools, resources and prompts ask for."""
    if resource_metadata_url(settings) is None:
        return []
    assert settings.auth_resource_url is not None
    servers = settings.auth_authorization_servers or ([settings.auth_issuer] if settings.auth_issuer else [])
    return metadata_routes(settings.auth_resource_url, servers, scopes | set(settings.auth_required_scopes))
