"""Layers: the ordered list of pure-ASGI wrappers in front of the MCP endpoint.

The endpoint is answered before Starlette's middleware and router (a regex match and two layers
per request buy it nothing), so Starlette middleware never sees ``/mcp``. What must see every MCP
request (authentication, telemetry) is a layer instead: a callable that takes the app it wraps and
returns an ASGI app, like a Starlette middleware class. The first layer in the list is the
outermost. An empty list costs nothing: the endpoint itself is called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

Layer = Callable[[ASGIApp], ASGIApp]

MCP_REQUEST_HEADERS = [
    "authorization",
    "content-type",
    "last-event-id",
    "mcp-protocol-version",
    "mcp-method",
    "mcp-name",
]
MCP_RESPONSE_HEADERS = ["mcp-session-id", "mcp-protocol-version", "www-authenticate"]


def cors_layer(origins: Sequence[str]) -> Layer:
    """CORS for browser clients on ``origins``: preflights answered, the MCP headers let through both ways."""

    def layer(app: ASGIApp) -> ASGIApp:
        return CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=MCP_REQUEST_HEADERS,
            expose_headers=MCP_RESPONSE_HEADERS,
            max_age=600,
        )

    return layer


def wrap(app: ASGIApp, layers: Sequence[Layer]) -> ASGIApp:
    """``app`` behind ``layers``, the first one outermost."""
    for layer in reversed(layers):
        app = layer(app)
    return app
