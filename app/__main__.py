"""``python -m app``: serve an ``MCPServer`` over HTTP (uvicorn) or stdio.

Like ``fastmcp run``, the optional argument names the server object as ``module:attribute``.
Options override the matching ``FASTMCP_*`` settings.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from app.settings import Settings, load_settings
from app.telemetry.logs import formatter


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app", description="Serve an MCP server.")
    parser.add_argument("server", nargs="?", help="module:attribute of the MCPServer (default: FASTMCP_SERVER)")
    parser.add_argument("--transport", choices=["http", "stdio"], default="http")
    parser.add_argument("--host", help="bind address (FASTMCP_HOST)")
    parser.add_argument("--port", type=int, help="port (FASTMCP_PORT)")
    parser.add_argument("--path", help="MCP endpoint path (FASTMCP_STREAMABLE_HTTP_PATH)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR (FASTMCP_LOG_LEVEL)")
    parser.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    overrides = {
        "server": args.server,
        "host": args.host,
        "port": args.port,
        "streamable_http_path": args.path,
        "log_level": args.log_level,
    }
    settings = load_settings(**{key: value for key, value in overrides.items() if value is not None})
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    if args.transport == "stdio":
        from app.main import create_engine, create_telemetry, load_server
        from app.transport.stdio import serve_stdio

        server = load_server(settings.server)
        engine = create_engine(server, settings)
        asyncio.run(serve_stdio(engine, settings.max_request_body_size, create_telemetry(server, settings)))
    else:
        serve_http(settings, reload=args.reload)


def serve_http(settings: Settings, *, reload: bool) -> None:
    import uvicorn

    if reload:
        # The reloader re-imports the app in a child process, which reads its settings from the
        # environment: hand the resolved ones over that way.
        for name, value in settings.model_dump(include={"server", "host", "port", "streamable_http_path"}).items():
            os.environ[f"FASTMCP_{name.upper()}"] = str(value)
        app: object = "app.main:app"
    else:
        from app.main import create_app

        app = create_app(settings)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        http="app.serving:LimitedHttpProtocol",
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        reload=reload,
        access_log=False,
        timeout_graceful_shutdown=30,
    )


if __name__ == "__main__":
    main()
