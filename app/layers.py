"""Layers: the ordered list of pure-ASGI wrappers in front of the MCP endpoint.

The endpoint is answered before Starlette's middleware and router (a regex match and two layers
per request buy it nothing), so Starlette middleware never sees ``/mcp``. What must see every MCP
request (authentication, telemetry) is a layer instead: a callable that takes the app it wraps and
returns an ASGI app, like a Starlette middleware class. The first layer in the list is the
outermost. An empty list costs nothing: the endpoint itself is called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.types import ASGIApp

Layer = Callable[[ASGIApp], ASGIApp]


def wrap(app: ASGIApp, layers: Sequence[Layer]) -> ASGIApp:
    """``app`` behind ``layers``, the first one outermost."""
    for layer in reversed(layers):
        app = layer(app)
    return app
