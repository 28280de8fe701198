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
