"""The ASGI application: ``create_app(settings)`` and the module-level ``app`` gunicorn and uvicorn load.

``app`` serves the ``MCPServer`` named by ``FASTMCP_SERVER`` (``module:attribute``), the same choice
``python -m app module:attribute`` makes.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.metadata import metadata_routes, resource_metadata_url
from app.events.memory import MemoryEventStore
from app.events.store import EventStore
from app.events.tasks import MemoryTaskRecords, TaskRecords
from app.health import Health
from app.layers import Layer, cors_layer, wrap
from app.lifecycle import lifespan
from app.protocol import MCPServer
from app.protocol.dispatch import Engine
from app.protocol.errors import Refused
from app.protocol.invoke import Runner
from app.protocol.request_state import StateSealer, decode_key
from app.protocol.retry import Retries
from app.security import AllowList
from app.settings import Settings, load_settings
from app.transport.calls import RunningCalls
from app.transport.http import MCPEndpoint
from app.transport.responses import orphan_event
from app.transport.streams import OpenStreams, StreamSettings
from app.transport.tasks import TaskSettings
from app.workers import worker_count

if TYPE_CHECKING:
    from app.telemetry.setup import Telemetry

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


def create_retries(settings: Settings) -> Retries:
    """2026-07-28's questions to the client: sealed with ``FASTMCP_REQUEST_STATE_KEYS``, which every
    process that may receive a retry must share; one process alone may use a key of its own."""
    ttl = settings.request_state_ttl_seconds
    if settings.request_state_keys:
        keys = [decode_key(key.get_secret_value()) for key in settings.request_state_keys]
        return Retries(StateSealer(keys, ttl))
    if settings.event_store == "redis" or worker_count(settings) > 1:
        sys.stderr.write(
            "error: FASTMCP_REQUEST_STATE_KEYS must be set when several workers or replicas answer "
            "(FASTMCP_EVENT_STORE=redis or more than one worker): a JSON list of shared secrets, "
            'e.g. ["<output of: openssl rand -hex 32>"]\n'
        )
        raise SystemExit(2)
    return Retries(StateSealer.generated(ttl))


def create_engine(server: MCPServer, settings: Settings) -> Engine:
    """The protocol engine for ``server``, configured by ``settings``; shared by every transport."""
    return Engine(
        server,
        page_size=settings.list_page_size,
        list_ttl_ms=settings.list_ttl_ms,
        runner=Runner(
            threads=settings.tool_threads,
            time_limit=settings.tool_time_limit_seconds,
            mask_errors=settings.mask_error_details,
        ),
        legacy_log_level=settings.client_log_level,
        max_id_length=settings.max_id_length,
        max_uri_length=settings.max_uri_length,
        resource_metadata_url=resource_metadata_url(settings),
        retries=create_retries(settings),
    )


def create_store(settings: Settings) -> EventStore:
    """The EventStore ``FASTMCP_EVENT_STORE`` names. Connections open lazily, after any fork."""
    if settings.event_store == "redis":
        from app.events.redis_client import connect  # redis-py only where it is used
        from app.events.redis_store import RedisEventStore

        return RedisEventStore(
            connect(settings.redis_url.get_secret_value(), settings.redis_max_connections),
            key_prefix=settings.redis_key_prefix,
            max_events=settings.event_store_max_events,
            ttl_seconds=settings.event_store_ttl_seconds,
            retention_seconds=settings.event_store_retention_seconds,
            max_blocking_waits=settings.redis_max_blocking_waits,
            orphan_message=orphan_event,
        )
    return MemoryEventStore(
        max_events=settings.event_store_max_events,
        ttl_seconds=settings.event_store_ttl_seconds,
        retention_seconds=settings.event_store_retention_seconds,
        max_streams=settings.event_store_max_streams,
        max_bytes=settings.event_store_max_bytes,
    )


def create_task_records(store: EventStore, settings: Settings) -> TaskRecords:
    """Tasks are kept where the store keeps streams: in its Redis, or in this process."""
    if settings.event_store == "redis":
        from app.events.redis_store import RedisEventStore
        from app.events.redis_tasks import RedisTaskRecords

        if isinstance(store, RedisEventStore):
            return RedisTaskRecords(store)
    return MemoryTaskRecords(settings.task_max_stored)


def create_telemetry(server: MCPServer, settings: Settings) -> Telemetry | None:
    """Telemetry as ``OTEL_*`` and ``FASTMCP_LOG_REQUESTS`` ask; ``None`` (nothing imported, nothing
    on the request path) when they ask for nothing."""
    if not settings.log_requests and not any(name.startswith("OTEL_") for name in os.environ):
        return None
    from app.telemetry.config import TelemetryConfigError
    from app.telemetry.setup import telemetry_for

    try:
        return telemetry_for(
            os.environ,
            service_name=server.name,
            log_requests=settings.log_requests,
            log_format=settings.log_format,
            workers=worker_count(settings),
        )
    except TelemetryConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(2) from None


def create_endpoint(
    server: MCPServer, settings: Settings, store: EventStore | None = None, telemetry: Telemetry | None = None
) -> MCPEndpoint:
    """The bare MCP endpoint: an ASGI app to route or mount in another application. Telemetry is
    what ``OTEL_*`` asks for unless ``telemetry`` is given."""
    hosts = settings.http_allowed_hosts
    store = store or create_store(settings)
    answers_reach_every_worker = settings.event_store == "redis" or worker_count(settings) == 1
    tasks = None
    if answers_reach_every_worker and settings.task_max_running > 0:
        task_settings = TaskSettings(
            ttl_seconds=settings.task_ttl_seconds,
            poll_interval_ms=settings.task_poll_interval_ms,
            max_running=settings.task_max_running,
            reply_timeout_seconds=settings.client_reply_timeout_seconds,
        )
        tasks = (create_task_records(store, settings), task_settings)
    streams, calls = OpenStreams(settings.sse_keepalive_seconds), RunningCalls()
    telemetry = telemetry or create_telemetry(server, settings)
    if telemetry is not None:
        store = telemetry.observe_store(store, settings.event_store)
        telemetry.watch(streams, calls)
    return MCPEndpoint(
        create_engine(server, settings),
        store=store,
        streams=streams,
        calls=calls,
        stream_settings=StreamSettings(
            keepalive_seconds=settings.sse_keepalive_seconds,
            retry_ms=settings.sse_retry_ms,
            close_after_seconds=settings.sse_close_after_seconds,
        ),
        allowed_hosts=None if "*" in hosts else AllowList(hosts),
        allowed_origins=AllowList([*settings.http_allowed_origins, *settings.cors_allowed_origins]),
        max_body_size=settings.max_request_body_size,
        json_response=settings.json_response,
        reply_timeout_seconds=settings.client_reply_timeout_seconds,
        answers_reach_every_worker=answers_reach_every_worker,
        telemetry=telemetry,
        tasks=tasks,
    )


def default_layers(settings: Settings, on_refused: Refused | None = None) -> list[Layer]:
    """The layers every MCP request passes, outermost first, each only when its settings turn it on,
    so a feature that is off costs nothing: CORS (a preflight carries no token), then authentication
    (which tells ``on_refused`` of each refusal)."""
    layers = []
    if settings.cors_allowed_origins:
        layers.append(cors_layer(settings.cors_allowed_origins))
    if settings.auth in ("bearer", "jwt"):
        from app.auth.config import auth_layer  # PyJWT and cryptography only where they are used

        layers.append(auth_layer(settings, on_refused))
    return layers


class MCPApplication(Starlette):
    """Starlette, with the MCP path answered before the middleware and the router: the endpoint
    handles its own errors, so the two layers and a regex match per request buy it nothing. What
    must wrap the MCP path is a layer (:mod:`app.layers`)."""

    def __init__(self, mcp: ASGIApp, path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mcp = mcp
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            scope["app"] = self
            await self.mcp(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    server: MCPServer | None = None,
    *,
    layers: Sequence[Layer] = (),
    telemetry: Telemetry | None = None,
) -> Starlette:
    """The whole service: the MCP endpoint at ``settings.streamable_http_path`` behind
    :func:`default_layers` then ``layers``, plus the health routes."""
    settings = settings or load_settings()
    server = server or load_server(settings.server)
    endpoint = create_endpoint(server, settings, telemetry=telemetry)
    health = Health(endpoint.streams)
    routes = [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.readyz, methods=["GET"]),
    ]
    routes += metadata_routes(settings, server.scopes())
    on_refused = endpoint.observer.refused if endpoint.observer is not None else None
    mcp = wrap(endpoint, [*default_layers(settings, on_refused), *layers])
    app = MCPApplication(mcp, settings.streamable_http_path, routes=routes)
    app.router.lifespan_context = lifespan(settings, endpoint)
    return app


def __getattr__(name: str) -> Starlette:
    """``app`` is built on first access, so importing this module reads no settings by itself."""
    if name == "app":
        application = globals()["app"] = create_app()
        return application
    raise AttributeError(name)
