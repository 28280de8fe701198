"""Every setting of the server, read once from the environment (``FASTMCP_*``, as FastMCP names them).

Build ``Settings()`` outside the event loop and pass it to :func:`app.main.create_app`; nothing else
reads ``os.environ``. A bad value stops start-up with one line naming the variable
(:func:`load_settings`).
"""

from __future__ import annotations

import re
import sys
from typing import Literal

import pydantic
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

LOCALHOST_NAMES = ["localhost", "127.0.0.1", "[::1]"]
_SECRET_FIELDS = {"redis_url"}


class Settings(BaseSettings):
    """The server's configuration; the README's settings table is this class, field by field."""

    model_config = SettingsConfigDict(env_prefix="FASTMCP_", extra="ignore", validate_default=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    streamable_http_path: str = Field("/mcp", pattern=r"^/")
    server: str = Field("app.tools:server", pattern=r"^[\w.]+:[\w.]+$")
    """Which ``MCPServer`` to serve, as ``module:attribute``."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    stateless_http: bool = True
    """Accepted for FastMCP compatibility; this server never keeps sessions, so ``false`` changes nothing."""
    json_response: bool = False
    """Always answer with one JSON body: progress and log notifications are then dropped."""
    max_request_body_size: int = Field(4 * 1024 * 1024, gt=0)
    sse_keepalive_seconds: float = Field(15.0, gt=0)
    """A silent call switches to SSE and sends a comment this often, so proxies don't time it out."""
    client_log_level: (
        Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] | None
    ) = "info"
    """Least level of log notifications for handshake-era requests (they cannot remember ``logging/setLevel``)."""
    mask_error_details: bool = False
    """Hide unexpected exceptions' messages from clients (``ToolError`` messages are always shown)."""
    list_page_size: int = Field(100, gt=0)
    list_ttl_ms: int = Field(60_000, ge=0)
    """``ttlMs`` on 2026-07-28 list and discover results: how long clients may cache them."""

    http_allowed_hosts: list[str] = Field(default_factory=lambda: list(LOCALHOST_NAMES))
    """``Host`` values accepted on the MCP endpoint (DNS-rebinding guard); ``*`` accepts any. Behind a
    proxy or Ingress, list the public names."""
    http_allowed_origins: list[str] = Field(
        default_factory=lambda: [f"{scheme}://{host}" for scheme in ("http", "https") for host in LOCALHOST_NAMES]
    )
    """Browser ``Origin`` values accepted (any port unless one is given); requests without one pass."""

    event_store: Literal["memory", "redis"] = "memory"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    redis_key_prefix: str = "mcp:"
    redis_max_connections: int = Field(64, gt=0)
    """Connections per worker; each client resuming a stream holds one while it waits for events."""
    event_store_max_events: int = Field(10_000, gt=0)
    """Events kept per stream; older ones are trimmed."""
    event_store_ttl_seconds: int = Field(3600, gt=0)
    """How long a stream's events stay resumable after its last event."""
    sse_retry_ms: int = Field(1000, ge=0)
    """The ``retry`` hint sent to 2025-11-25 clients before the server closes a stream."""
    sse_close_after_seconds: float | None = Field(None, gt=0)
    """Close long legacy SSE streams after this long; the client resumes with ``Last-Event-ID``."""
    client_reply_timeout_seconds: float = Field(300.0, gt=0)
    """How long a tool waits for the client's answer to sampling or elicitation."""
    drain_delay_seconds: float = Field(0.0, ge=0)
    """After SIGTERM, keep serving this long with ``/readyz`` failing, so balancers stop sending first."""

    web_concurrency: int = Field(1, ge=1, validation_alias="WEB_CONCURRENCY")
    """Workers per instance (gunicorn and uvicorn read the same variable); only used for start-up checks."""

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings(**overrides: object) -> Settings:
    """``Settings`` from the environment, or exit with one line per bad variable (no traceback)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SettingsError as exc:  # a value that is not even parseable, e.g. a list that is not JSON
        found = re.search(r'field "(\w+)"', str(exc))
        name = f"FASTMCP_{found[1].upper()}" if found else "a setting"
        sys.stderr.write(f'error: {name}: not valid JSON (lists are written like ["a", "b"])\n')
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            shown = "" if field in _SECRET_FIELDS else f" (got {error.get('input')!r})"
            sys.stderr.write(f"error: FASTMCP_{field.upper()}: {error['msg']}{shown}\n")
    raise SystemExit(2)
