"""``python -m app``: serve an ``MCPServer`` over HTTP (uvicorn) or stdio.

Like ``fastmcp run``, the optional argument names the server: ``module:attribute``, or a file,
``path/to/server.py`` (its ``mcp``, ``server`` or ``app``) or ``path/to/server.py:attribute``.
Options override the matching ``FASTMCP_*`` settings.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from app.settings import Settings, load_settings
from app.telemetry.logs import formatter

if TYPE_CHECKING:
    from app.protocol import MCPServer


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


SERVER_NAMES = ("mcp", "server", "app")
"""Where ``python -m app file.py`` looks for the server, as ``fastmcp run`` does."""


def resolve_target(target: str) -> str:
    """``path/to/file.py[:attribute]`` as ``module:attribute``, its folder made importable (here and in
    the processes ``--reload`` starts); anything else is returned as given."""
    location, _, attribute = target.partition(":")
    if not location.endswith(".py"):
        return target
    path = Path(location).resolve()
    if not path.is_file():
        fail(f"no such file: {location}")
    folder = str(path.parent)
    sys.path.insert(0, folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [folder, os.environ.get("PYTHONPATH")]))
    if not attribute:
        from app.protocol import MCPServer

        module = importlib.import_module(path.stem)
        found = [name for name in SERVER_NAMES if isinstance(getattr(module, name, None), MCPServer)]
        if not found:
            fail(
                f"{location} has no MCPServer named {', '.join(SERVER_NAMES)}: name it, python -m app {location}:<name>"
            )
        attribute = found[0]
    return f"{path.stem}:{attribute}"


def fail(message: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    overrides = {
        "server": resolve_target(args.server) if args.server else None,
        "host": args.host,
        "port": args.port,
        "streamable_http_path": args.path,
        "log_level": args.log_level,
    }
    settings = load_settings(**{key: value for key, value in overrides.items() if value is not None})
    serve(settings, args.transport, reload=args.reload)


def serve(settings: Settings, transport: str, *, server: MCPServer | None = None, reload: bool = False) -> None:
    """Serve ``server`` (or the one ``settings.server`` names) over ``transport`` until stopped."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    if server is None and not reload:
        from app.main import load_server

        try:
            server = load_server(settings.server)
        except (ImportError, AttributeError, TypeError) as exc:
            fail(f"cannot load the server {settings.server!r} (FASTMCP_SERVER or the command's argument): {exc}")
    if transport == "stdio":
        from app.main import create_engine, create_telemetry
        from app.transport.stdio import serve_stdio

        assert server is not None
        engine = create_engine(server, settings)
        telemetry = create_telemetry(server, settings)
        timeout = settings.client_reply_timeout_seconds
        asyncio.run(serve_stdio(engine, settings.max_request_body_size, telemetry, reply_timeout_seconds=timeout))
    else:
        serve_http(settings, server, reload=reload)


def serve_http(settings: Settings, server: MCPServer | None, *, reload: bool) -> None:
    import uvicorn

    if reload:
        # The reloader re-imports the app in a child process, which reads its settings from the
        # environment: hand the resolved ones over that way.
        for name, value in settings.model_dump(
            include={"server", "host", "port", "streamable_http_path", "log_level"}
        ).items():
            os.environ[f"FASTMCP_{name.upper()}"] = str(value)
        app: object = "app.main:app"
    else:
        from app.main import create_app

        app = create_app(settings, server)
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
