"""Settings: FASTMCP_* names, bounds, cross-setting rules, and one line per bad value."""

from __future__ import annotations

import pytest

from app.settings import Settings, is_loopback, load_settings


def test_defaults_are_safe_and_local() -> None:
    settings = Settings()
    assert (settings.host, settings.auth, settings.mask_error_details) == ("127.0.0.1", None, True)
    assert settings.event_store_retention_seconds == 60 and settings.redis_max_blocking_waits < 64


def test_environment_names_and_json_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTMCP_PORT", "9001")
    monkeypatch.setenv("FASTMCP_HTTP_ALLOWED_HOSTS", '["mcp.example.com"]')
    monkeypatch.setenv("FASTMCP_TOOL_TIME_LIMIT_SECONDS", "null")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    settings = Settings()
    assert (settings.port, settings.http_allowed_hosts) == (9001, ["mcp.example.com"])
    assert settings.tool_time_limit_seconds is None and settings.web_concurrency == 3


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"FASTMCP_PORT": "70000"}, "error: FASTMCP_PORT: Input should be less than or equal to 65535"),
        ({"FASTMCP_HTTP_ALLOWED_HOSTS": "a,b"}, "error: FASTMCP_HTTP_ALLOWED_HOSTS: not valid JSON"),
        ({"FASTMCP_HOST": "0.0.0.0"}, "error: FASTMCP_AUTH is not set and FASTMCP_HOST=0.0.0.0"),
        (
            {"FASTMCP_REDIS_MAX_CONNECTIONS": "8", "FASTMCP_REDIS_MAX_BLOCKING_WAITS": "8"},
            "error: FASTMCP_REDIS_MAX_BLOCKING_WAITS must be below FASTMCP_REDIS_MAX_CONNECTIONS",
        ),
        (
            {"FASTMCP_REDIS_URL": "redis+sentinel://:hunter2@sentinel:26379"},
            "error: FASTMCP_REDIS_URL: Value error, a redis+sentinel:// URL names the primary after the sentinels",
        ),
        (
            {"FASTMCP_REDIS_URL": "redis+cluster://:hunter2@node-1"},
            "error: FASTMCP_REDIS_URL: Value error, each cluster node is host:port",
        ),
        (
            {
                "FASTMCP_AUTH": "jwt",
                "FASTMCP_AUTH_JWKS_URL": "https://a/jwks",
                "FASTMCP_AUTH_ISSUER": "https://a",
                "FASTMCP_AUTH_RESOURCE_URL": "https://m/mcp",
                "FASTMCP_AUTH_ALGORITHMS": '["HS256"]',
            },
            "error: FASTMCP_AUTH_ALGORITHMS: only",
        ),
    ],
)
def test_a_bad_value_stops_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], line: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        load_settings()
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), lines


def test_the_redis_url_is_a_secret_and_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FASTMCP_REDIS_URL", "redis://:hunter2@host:6379/0")
    assert "hunter2" not in repr(Settings())
    monkeypatch.setenv("FASTMCP_REDIS_URL", "")
    monkeypatch.setenv("FASTMCP_EVENT_STORE", "nope")
    with pytest.raises(SystemExit):
        load_settings()
    assert "hunter2" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_defaults() -> None:
    settings = Settings()
    assert (settings.port, settings.streamable_http_path, settings.server) == (8000, "/mcp", "tools:server")
    assert (settings.log_level, settings.client_log_level, settings.event_store) == ("INFO", "info", "memory")
    assert (settings.stateless_http, settings.json_response) == (True, False)
    assert settings.tool_time_limit_seconds == 300.0 and settings.sse_close_after_seconds is None
    assert settings.http_allowed_hosts == ["localhost", "127.0.0.1", "[::1]"]
    assert settings.http_allowed_origins == [
        "http://localhost",
        "http://127.0.0.1",
        "http://[::1]",
        "https://localhost",
        "https://127.0.0.1",
        "https://[::1]",
    ]
    assert (settings.auth_algorithms, settings.auth_required_scopes, settings.cors_allowed_origins) == (
        ["RS256", "ES256"],
        [],
        [],
    )
    assert settings.redis_url.get_secret_value() == "redis://127.0.0.1:6379/0"
    assert (settings.redis_max_connections, settings.redis_max_blocking_waits) == (64, 32)


def test_default_lists_are_not_shared_between_instances() -> None:
    first = Settings()
    first.http_allowed_hosts.append("evil.example")
    first.auth_algorithms.append("ES384")
    second = Settings()
    assert "evil.example" not in second.http_allowed_hosts
    assert second.auth_algorithms == ["RS256", "ES256"]


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        ("FASTMCP_HOST", "::1", "host", "::1"),
        ("FASTMCP_STREAMABLE_HTTP_PATH", "/api/mcp", "streamable_http_path", "/api/mcp"),
        ("FASTMCP_SERVER", "my.tools:app_server", "server", "my.tools:app_server"),
        ("FASTMCP_LOG_LEVEL", "debug", "log_level", "DEBUG"),
        ("FASTMCP_JSON_RESPONSE", "true", "json_response", True),
        ("FASTMCP_MASK_ERROR_DETAILS", "0", "mask_error_details", False),
        ("FASTMCP_CLIENT_LOG_LEVEL", "null", "client_log_level", None),
        ("FASTMCP_SSE_CLOSE_AFTER_SECONDS", "30.5", "sse_close_after_seconds", 30.5),
        ("FASTMCP_EVENT_STORE", "redis", "event_store", "redis"),
        ("FASTMCP_REDIS_KEY_PREFIX", "tenant-a:", "redis_key_prefix", "tenant-a:"),
        ("FASTMCP_LIST_TTL_MS", "0", "list_ttl_ms", 0),
        ("FASTMCP_DRAIN_DELAY_SECONDS", "2.5", "drain_delay_seconds", 2.5),
        (
            "FASTMCP_HTTP_ALLOWED_ORIGINS",
            '["https://app.example.com"]',
            "http_allowed_origins",
            ["https://app.example.com"],
        ),
        ("FASTMCP_AUTH_REQUIRED_SCOPES", '["read", "write"]', "auth_required_scopes", ["read", "write"]),
        ("FASTMCP_CORS_ALLOWED_ORIGINS", "[]", "cors_allowed_origins", []),
    ],
)
def test_each_setting_is_read_from_its_fastmcp_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(name, value)
    assert getattr(load_settings(), field) == expected


def test_unknown_fastmcp_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTMCP_NO_SUCH_SETTING", "1")
    assert load_settings().port == 8000


def test_web_concurrency_is_read_without_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTMCP_WEB_CONCURRENCY", "5")
    assert Settings().web_concurrency == 1
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert Settings().web_concurrency == 4


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTMCP_PORT", "9001")
    assert load_settings(port=9002).port == 9002


def run(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """``load_settings()``, which must exit with 2; the lines it wrote to stderr."""
    with pytest.raises(SystemExit) as exited:
        load_settings()
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("FASTMCP_PORT", "0", "error: FASTMCP_PORT: Input should be greater than or equal to 1 (got '0')"),
        ("FASTMCP_PORT", "65536", "error: FASTMCP_PORT: Input should be less than or equal to 65535 (got '65536')"),
        (
            "FASTMCP_PORT",
            "http",
            "error: FASTMCP_PORT: Input should be a valid integer, unable to parse string as an integer (got 'http')",
        ),
        ("FASTMCP_MAX_REQUEST_BODY_SIZE", "0", "error: FASTMCP_MAX_REQUEST_BODY_SIZE: Input should be greater than 0"),
        (
            "FASTMCP_TOOL_TIME_LIMIT_SECONDS",
            "0",
            "error: FASTMCP_TOOL_TIME_LIMIT_SECONDS: Input should be greater than 0",
        ),
        ("FASTMCP_LIST_TTL_MS", "-1", "error: FASTMCP_LIST_TTL_MS: Input should be greater than or equal to 0"),
        ("FASTMCP_SSE_RETRY_MS", "-1", "error: FASTMCP_SSE_RETRY_MS: Input should be greater than or equal to 0"),
        ("FASTMCP_DRAIN_DELAY_SECONDS", "-1", "error: FASTMCP_DRAIN_DELAY_SECONDS: Input should be greater than or"),
        ("FASTMCP_AUTH_JWKS_REFETCH_SECONDS", "0.5", "error: FASTMCP_AUTH_JWKS_REFETCH_SECONDS: Input should be"),
        ("FASTMCP_STREAMABLE_HTTP_PATH", "mcp", "error: FASTMCP_STREAMABLE_HTTP_PATH: String should match pattern"),
        ("FASTMCP_SERVER", "app.tools", "error: FASTMCP_SERVER: String should match pattern"),
        ("FASTMCP_LOG_LEVEL", "loud", "error: FASTMCP_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING',"),
        ("FASTMCP_EVENT_STORE", "disk", "error: FASTMCP_EVENT_STORE: Input should be 'memory' or 'redis' (got 'disk')"),
        ("FASTMCP_JSON_RESPONSE", "maybe", "error: FASTMCP_JSON_RESPONSE: Input should be a valid boolean"),
        ("FASTMCP_AUTH", "basic", "error: FASTMCP_AUTH: Input should be 'none', 'bearer' or 'jwt'"),
        ("FASTMCP_HTTP_ALLOWED_HOSTS", "[1]", "error: FASTMCP_HTTP_ALLOWED_HOSTS: Input should be a valid string"),
        (
            "FASTMCP_AUTH_REQUIRED_SCOPES",
            '{"read": true}',
            "error: FASTMCP_AUTH_REQUIRED_SCOPES: Input should be a valid list",
        ),
        (
            "FASTMCP_AUTH_REQUIRED_SCOPES",
            "read",
            'error: FASTMCP_AUTH_REQUIRED_SCOPES: not valid JSON (lists are written like ["a", "b"])',
        ),
        ("FASTMCP_CORS_ALLOWED_ORIGINS", "https://a", "error: FASTMCP_CORS_ALLOWED_ORIGINS: not valid JSON"),
    ],
)
def test_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, line: str
) -> None:
    monkeypatch.setenv(name, value)
    (written,) = run(capsys)
    assert written.startswith(line), written


def test_every_bad_variable_gets_its_own_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FASTMCP_PORT", "0")
    monkeypatch.setenv("FASTMCP_LIST_PAGE_SIZE", "0")
    lines = run(capsys)
    assert [line.split(":")[1] for line in lines] == [" FASTMCP_PORT", " FASTMCP_LIST_PAGE_SIZE"]


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"FASTMCP_AUTH": "bearer"}, "error: FASTMCP_AUTH=bearer needs FASTMCP_AUTH_BEARER_TOKENS_FILE"),
        ({"FASTMCP_AUTH": "jwt"}, "error: FASTMCP_AUTH=jwt needs FASTMCP_AUTH_JWKS_URL"),
        (
            {"FASTMCP_AUTH": "jwt", "FASTMCP_AUTH_JWKS_URL": "https://a/jwks"},
            "error: FASTMCP_AUTH=jwt needs FASTMCP_AUTH_ISSUER",
        ),
        (
            {"FASTMCP_AUTH": "jwt", "FASTMCP_AUTH_JWKS_URL": "https://a/jwks", "FASTMCP_AUTH_ISSUER": "https://a"},
            "error: FASTMCP_AUTH=jwt needs FASTMCP_AUTH_RESOURCE_URL",
        ),
        (
            {
                "FASTMCP_AUTH": "jwt",
                "FASTMCP_AUTH_JWKS_URL": "https://a/jwks",
                "FASTMCP_AUTH_ISSUER": "https://a",
                "FASTMCP_AUTH_RESOURCE_URL": "https://m/mcp",
                "FASTMCP_AUTH_ALGORITHMS": "[]",
            },
            "error: FASTMCP_AUTH_ALGORITHMS: only ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', "
            "'RS256', 'RS384', 'RS512'], not []",
        ),
        (
            {
                "FASTMCP_AUTH": "jwt",
                "FASTMCP_AUTH_JWKS_URL": "http://10.0.0.1/jwks",
                "FASTMCP_AUTH_ISSUER": "https://a",
                "FASTMCP_AUTH_RESOURCE_URL": "https://m/mcp",
            },
            "error: FASTMCP_AUTH_JWKS_URL must be https:// (http:// only on a loopback host)",
        ),
        ({"FASTMCP_AUTH_RESOURCE_URL": "mcp.example.com/mcp"}, "error: FASTMCP_AUTH_RESOURCE_URL must be an absolute"),
        ({"FASTMCP_HOST": "::"}, "error: FASTMCP_AUTH is not set and FASTMCP_HOST=:: is not a loopback address"),
        ({"FASTMCP_REDIS_MAX_BLOCKING_WAITS": "64"}, "error: FASTMCP_REDIS_MAX_BLOCKING_WAITS must be below"),
    ],
)
def test_rules_across_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], line: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (written,) = run(capsys)
    assert written.startswith(line), written


@pytest.mark.parametrize(
    "env",
    [
        {"FASTMCP_HOST": "0.0.0.0", "FASTMCP_AUTH": "none"},
        {"FASTMCP_AUTH": "bearer", "FASTMCP_AUTH_BEARER_TOKENS_FILE": "/etc/mcp/tokens"},
        {
            "FASTMCP_AUTH": "jwt",
            "FASTMCP_AUTH_JWKS_URL": "http://127.0.0.1:9000/jwks",
            "FASTMCP_AUTH_ISSUER": "http://127.0.0.1:9000",
            "FASTMCP_AUTH_RESOURCE_URL": "http://127.0.0.1:8000/mcp",
            "FASTMCP_AUTH_ALGORITHMS": '["EdDSA", "PS256"]',
        },
    ],
)
def test_complete_configurations_are_accepted(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings().auth == env["FASTMCP_AUTH"]


def test_the_redis_url_is_not_echoed_in_its_own_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        load_settings(redis_url={"url": "redis://:hunter2@host:6379/0"})
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err == "error: FASTMCP_REDIS_URL: Input should be a valid string\n"


def test_the_redis_url_is_masked_in_repr_and_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTMCP_REDIS_URL", "redis://:hunter2@host:6379/0")
    settings = Settings()
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert settings.redis_url.get_secret_value() == "redis://:hunter2@host:6379/0"


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="WEB_CONCURRENCY has no prefix (validation_alias), but its error names FASTMCP_WEB_CONCURRENCY",
)
def test_bug_the_web_concurrency_error_names_web_concurrency(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "0")
    (written,) = run(capsys)
    assert written.startswith("error: WEB_CONCURRENCY: "), written  # today: "error: FASTMCP_WEB_CONCURRENCY: ..."


@pytest.mark.parametrize(("host", "loopback"), [("127.8.9.10", True), ("::", False), ("[::2]", False), ("", False)])
def test_more_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
