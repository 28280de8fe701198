"""RFC 9728 protected resource metadata: where a client learns which authorization server to ask.

Served at the root well-known URI and at the path-suffixed one for the MCP path (clients try the
latter first), open to everyone and to browser clients on any origin: it is public by design.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.settings import Settings

WELL_KNOWN = "/.well-known/oauth-protected-resource"


def metadata_url(resource_url: str) -> str:
    """The path-suffixed well-known URL of ``resource_url`` (``https://h/mcp`` -> ``https://h/.well-known/...resource/mcp``)."""
    parts = urlsplit(resource_url)
    return f"{parts.scheme}://{parts.netloc}{WELL_KNOWN}{parts.path.rstrip('/')}"


def resource_metadata_url(settings: Settings) -> str | None:
    """Where clients find this server's metadata; ``None`` without authentication or a resource URL."""
    if settings.auth in ("bearer", "jwt") and settings.auth_resource_url:
        return metadata_url(settings.auth_resource_url)
    return None


def metadata_routes(settings: Settings, scopes: Iterable[str]) -> list[Route]:
    """The metadata at both well-known paths; ``scopes`` are those the server's tools, resources and
    prompts ask for, listed with the required ones as ``scopes_supported``."""
    resource_url = settings.auth_resource_url
    if resource_metadata_url(settings) is None or resource_url is None:
        return []
    servers = settings.auth_authorization_servers or ([settings.auth_issuer] if settings.auth_issuer else [])
    document: dict[str, Any] = {
        "resource": resource_url,
        "authorization_servers": servers,
        "scopes_supported": sorted({*scopes, *settings.auth_required_scopes}),
        "bearer_methods_supported": ["header"],
    }
    headers = {"access-control-allow-origin": "*", "cache-control": "public, max-age=3600"}

    async def serve(request: Request) -> Response:
        return JSONResponse(document, headers=headers)

    suffixed = WELL_KNOWN + urlsplit(resource_url).path.rstrip("/")
    paths = dict.fromkeys([suffixed, WELL_KNOWN])  # the same path once, if the resource is the root
    return [Route(path, serve, methods=["GET"]) for path in paths]
