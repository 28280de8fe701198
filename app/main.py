"""The ASGI application: ``create_app(settings)`` and the module-level ``app`` gunicorn and uvicorn load.

``app`` serves the ``MCPServer`` named by ``FASTMCP_SERVER`` (``module:attribute``), the same choice
``python -m app module:attribute`` makes.
"""

from __future__ import annotations

import importlib
import logging

from starlette.applications import Starlette
from starlette.routing import Route

from app.health import Health
from app.protocol import MCPServer
from app.protocol.dispatch import Engine
from app.security import AllowList
from app.settings import Settings, load_settings
from app.transport.http import MCPEndpoint

logger = logging.getLogger("app")


def load_server(target: str) -> MCPServer:
    """Import ``module:attribute`` and check it is an ``MCPServer``."""
    module_name, _, attribute = target.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, MCPServer):
        raise TypeError(f"{target} is a {type(obj).__name__}, not an MCPServer")
    return obj


def create_engine(server: MCPServer, settings: Settings) -> Engine:
    """The protocol engine for ``server``, configured by ``settings``; shared by every transport."""
    return Engine(
        server,
        page_size=settings.list_page_size,
        list_ttl_ms=settings.list_ttl_ms,
        mask_error_details=settings.mask_error_details,
        legacy_log_level=settings.client_log_level,
    )


def create_endpoint(server: MCPServer, settings: Settings) -> MCPEndpoint:
    """The bare MCP endpoint: an ASGI app to route or mount in another application."""
    engine = create_engine(server, settings)
    hosts = settings.http_allowed_hosts
    return MCPEndpoint(
        engine,
        allowed_hosts=None if "*" in hosts else AllowList(hosts),
        allowed_origins=AllowList(settings.http_allowed_origins),
        max_body_size=settings.max_request_body_size,
        json_response=settings.json_response,
        keepalive_seconds=settings.sse_keepalive_seconds,
    )


def create_app(settings: Settings | None = None, server: MCPServer | None = None) -> Starlette:
    """The whole service: the MCP endpoint at ``settings.streamable_http_path`` plus the health routes."""
    settings = settings or load_settings()
    server = server or load_server(settings.server)
    health = Health()
    routes = [
        Route(settings.streamable_http_path, create_endpoint(server, settings)),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.readyz, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.health = health
    app.state.server = server
    return app


def __getattr__(name: str) -> Starlette:
    """``app`` is built on first access, so importing this module reads no settings by itself."""
    if name == "app":
        application = globals()["app"] = create_app()
        return application
    raise AttributeError(name)
