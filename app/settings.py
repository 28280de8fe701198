"""Every setting of the server, read once from the environment (``FASTMCP_*``, as FastMCP names them).

Build ``Settings()`` outside the event loop and pass it to :func:`app.main.create_app`; nothing else
reads ``os.environ``. A bad value stops start-up with one line naming the variable
(:func:`load_settings`).
"""

from __future__ import annotations

import ipaddress
import re
import sys
from typing import Literal
from urllib.parse import urlsplit

import pydantic
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from app.events.redis_url import parse_redis_url
from app.protocol.request_state import decode_key

LOCALHOST_NAMES = ["localhost", "127.0.0.1", "[::1]"]
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""``none`` and the HMAC family are never accepted: a server that holds only public keys cannot use them
safely (an HMAC "signed" with the public key would verify)."""
_SECRET_FIELDS = {"redis_url", "request_state_keys"}


class Settings(BaseSettings):
    """The server's configuration; the README's settings table is this class, field by field."""

    model_config = SettingsConfigDict(
        env_prefix="FASTMCP_", extra="ignore", validate_default=True, env_parse_none_str="null"
    )

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    streamable_http_path: str = Field("/mcp", pattern=r"^/")
    server: str = Field("tools:server", pattern=r"^[\w.]+:[\w.]+$")
    """Which ``MCPServer`` to serve, as ``module:attribute``: by default your ``tools`` package."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    """``auto``: one JSON object a line (with trace ids) unless stderr is a terminal, then text."""
    log_requests: bool = False
    """One line per MCP request (method, tool, outcome, duration, trace id; never arguments or
    tokens), in the ``log_format``. Costs about 5 us a request; ``make run`` and the manifests turn it on."""

    stateless_http: bool = True
    """Accepted for FastMCP compatibility; this server never keeps sessions, so ``false`` changes nothing."""
    json_response: bool = False
    """Always answer with one JSON body: progress and log notifications are then dropped."""
    max_request_body_size: int = Field(4 * 1024 * 1024, gt=0)
    max_request_head_size: int = Field(16 * 1024, gt=0)
    """Bytes of a request's URL and headers; past it, 431 and the connection is closed."""
    request_head_timeout_seconds: float = Field(10.0, gt=0)
    """Time to receive a request's URL and headers; past it, 408 and the connection is closed."""
    max_id_length: int = Field(256, gt=0)
    """Longest request id, progress token, tool or prompt name and cursor accepted (characters): they
    are repeated in replies, logs and stored events."""
    max_uri_length: int = Field(2048, gt=0)
    """Longest resource URI accepted (characters)."""
    sse_keepalive_seconds: float = Field(15.0, gt=0)
    """A silent call switches to SSE and sends a comment this often, so proxies don't time it out."""
    client_log_level: (
        Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] | None
    ) = "info"
    """Least level of log notifications for handshake-era requests (they cannot remember ``logging/setLevel``)."""
    mask_error_details: bool = True
    """Hide unexpected exceptions' messages from clients (the log keeps them, with the request id);
    ``ToolError`` messages are always shown."""
    tool_time_limit_seconds: float | None = Field(300.0, gt=0)
    """How long a tool, resource or prompt function may run (``@server.tool(timeout=...)`` overrides it
    per tool); past it the call ends with an error. ``null`` for no limit."""
    tool_threads: int = Field(16, gt=0)
    """Threads for sync functions, per worker; more calls wait for a free one (within their time limit)."""
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

    auth: Literal["none", "bearer", "jwt"] | None = None
    """How callers prove who they are. Unset is allowed on a loopback host only; ``none`` opts out."""
    auth_bearer_tokens_file: str | None = None
    """``bearer``: a file of tokens, one per line, optionally followed by the scopes it grants."""
    auth_jwks_url: str | None = None
    """``jwt``: the authorization server's JWKS (``https://``; ``http://`` only on loopback)."""
    auth_issuer: str | None = None
    """``jwt``: the ``iss`` tokens must carry, compared exactly as written here."""
    auth_audience: str | None = None
    """``jwt``: the ``aud`` tokens must carry; default: ``FASTMCP_AUTH_RESOURCE_URL``."""
    auth_jwks_refetch_seconds: float = Field(10.0, ge=1)
    """``jwt``: a token naming an unknown key fetches the JWKS again, at most this often."""
    auth_token_cache_size: int = Field(4096, gt=0)
    """``jwt``: verified tokens remembered per worker (until they expire, at most 5 minutes)."""
    auth_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    """``jwt``: signature algorithms accepted (asymmetric ones only)."""
    auth_required_scopes: list[str] = Field(default_factory=list)
    """Scopes every token must hold; per tool, ``@server.tool(scopes=[...])``."""
    auth_resource_url: str | None = None
    """This server's canonical URL (``https://mcp.example.com/mcp``): the RFC 9728 ``resource``."""
    auth_authorization_servers: list[str] = Field(default_factory=list)
    """Issuers clients may get tokens from (RFC 9728); default: ``FASTMCP_AUTH_ISSUER``."""
    cors_allowed_origins: list[str] = Field(default_factory=list)
    """Browser origins allowed to call the endpoint cross-origin (CORS); none by default."""

    event_store: Literal["memory", "redis"] = "memory"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    """One server, a Redis Cluster (``redis+cluster://``) or a Sentinel-managed primary
    (``redis+sentinel://``): see :mod:`app.events.redis_url`."""
    redis_key_prefix: str = "mcp:"
    redis_max_connections: int = Field(64, gt=0)
    """Connections per worker; each client resuming a stream holds one while it waits for events."""
    redis_max_blocking_waits: int = Field(32, gt=0)
    """Blocking waits (resumes, answers) per worker, below the connections; past it, 503 at once."""
    event_store_max_events: int = Field(1_000, gt=0)
    """Events kept per stream; older ones are trimmed (a resume from before them starts at the oldest).
    A resume needs only what was sent since the connection broke, seconds' worth, while every kept
    event costs memory (or Redis) until the stream expires: 1,000 is ample, and one chatty stream then
    holds a few hundred KiB, not megabytes."""
    event_store_ttl_seconds: int = Field(3600, gt=0)
    """How long an unfinished stream stays resumable after its last event."""
    event_store_retention_seconds: int = Field(60, gt=0)
    """How long a finished stream stays resumable after its final event, in both stores."""
    event_store_max_streams: int = Field(10_000, gt=0)
    """Memory store: streams kept per worker; past it the oldest finished ones go first."""
    event_store_max_bytes: int = Field(64 * 1024 * 1024, gt=0)
    """Memory store: bytes of events kept per worker; past it the oldest finished streams go first."""
    sse_retry_ms: int = Field(1000, ge=0)
    """The ``retry`` hint sent to 2025-11-25 clients before the server closes a stream."""
    sse_close_after_seconds: float | None = Field(None, gt=0)
    """Close long legacy SSE streams after this long; the client resumes with ``Last-Event-ID``."""
    client_reply_timeout_seconds: float = Field(300.0, gt=0)
    """How long a tool waits for the client's answer to sampling or elicitation."""
    request_state_keys: list[SecretStr] = Field(default_factory=list)
    """Secrets that seal 2026-07-28's ``requestState`` (a JSON list; each at least 32 random bytes, hex
    or base64). The first seals, every one opens: rotate by prepending a new key, rolling out, and
    dropping the old one after ``request_state_ttl_seconds``. Required when several workers or
    replicas answer (the Redis store, or more than one worker); one process may generate its own."""
    request_state_ttl_seconds: float = Field(600.0, gt=0)
    """How long a client has to answer a 2026-07-28 question and retry."""
    task_ttl_seconds: int = Field(3600, gt=0)
    """How long a task (the tasks extension) is kept, from its creation; it may run at most this long."""
    task_poll_interval_ms: int = Field(1000, gt=0)
    """The ``pollIntervalMs`` a task suggests to its client."""
    task_max_running: int = Field(64, ge=0)
    """Tasks one worker runs at once; past it (or at 0) a call is answered inline, as without tasks."""
    task_max_stored: int = Field(10_000, gt=0)
    """Memory store: tasks kept per worker; past it the oldest go first."""
    drain_delay_seconds: float = Field(0.0, ge=0)
    """After SIGTERM, keep serving this long with ``/readyz`` failing, so balancers stop sending first."""

    web_concurrency: int = Field(1, ge=1, validation_alias="WEB_CONCURRENCY")
    """Workers per instance (gunicorn and uvicorn read the same variable); only used for start-up checks."""

    @field_validator("request_state_keys")
    @classmethod
    def _decodable(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for key in keys:
            decode_key(key.get_secret_value())  # a ValueError names the rule, never the key
        return keys

    @field_validator("redis_url")
    @classmethod
    def _redis_target(cls, url: SecretStr) -> SecretStr:
        parse_redis_url(url.get_secret_value())  # a ValueError names the rule, never the URL
        return url

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_auth(self) -> Settings:
        """Refuse to serve an open endpoint by accident, and a half-configured one at all."""
        if self.auth is None and not is_loopback(self.host):
            raise ValueError(
                f"FASTMCP_AUTH is not set and FASTMCP_HOST={self.host} is not a loopback address: set "
                "FASTMCP_AUTH=bearer or jwt, or FASTMCP_AUTH=none to serve without authentication"
            )
        if self.auth == "bearer" and not self.auth_bearer_tokens_file:
            raise ValueError("FASTMCP_AUTH=bearer needs FASTMCP_AUTH_BEARER_TOKENS_FILE")
        if self.auth == "jwt":
            for name in ("auth_jwks_url", "auth_issuer", "auth_resource_url"):
                if not getattr(self, name):
                    raise ValueError(f"FASTMCP_AUTH=jwt needs FASTMCP_{name.upper()}")
            refused = sorted(set(self.auth_algorithms) - ASYMMETRIC_ALGORITHMS)
            if refused or not self.auth_algorithms:
                raise ValueError(f"FASTMCP_AUTH_ALGORITHMS: only {sorted(ASYMMETRIC_ALGORITHMS)}, not {refused}")
            jwks = urlsplit(str(self.auth_jwks_url))
            if not (jwks.scheme == "https" or (jwks.scheme == "http" and is_loopback(jwks.hostname or ""))):
                raise ValueError("FASTMCP_AUTH_JWKS_URL must be https:// (http:// only on a loopback host)")
        if self.redis_max_blocking_waits >= self.redis_max_connections:
            raise ValueError("FASTMCP_REDIS_MAX_BLOCKING_WAITS must be below FASTMCP_REDIS_MAX_CONNECTIONS")
        if self.auth_resource_url is not None and urlsplit(self.auth_resource_url).scheme not in ("http", "https"):
            raise ValueError("FASTMCP_AUTH_RESOURCE_URL must be an absolute http(s) URL")
        return self


def is_loopback(host: str) -> bool:
    if host in ("localhost", "[::1]"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
            if not error["loc"]:  # a rule across settings: its message names them
                sys.stderr.write(f"error: {error['msg'].removeprefix('Value error, ')}\n")
                continue
            field = str(error["loc"][0])
            shown = "" if field in _SECRET_FIELDS else f" (got {error.get('input')!r})"
            sys.stderr.write(f"error: FASTMCP_{field.upper()}: {error['msg']}{shown}\n")
    raise SystemExit(2)
