"""``python -m app`` and the settings it reads: options, a bad value, and the health routes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.support.servers import REPO, child_environment, free_port, spawned

HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    with spawned([sys.executable, "-m", "app", *args, "--port", str(port)], port, env) as base:
        yield base


def test_options_choose_the_server_and_the_path() -> None:
    with serving("tests.scaleout.tools:server", "--path", "/custom", "--log-level", "warning") as base:
        listed = httpx.post(f"{base}/custom", headers=HEADERS, json={**PING, "method": "tools/list"}).json()
        assert "stream" in {tool["name"] for tool in listed["result"]["tools"]}
        assert httpx.post(f"{base}/mcp", headers=HEADERS, json=PING).status_code == 404
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}


def test_reload_serves_too() -> None:
    with serving("--reload") as base:
        assert httpx.post(f"{base}/mcp", headers=HEADERS, json=PING).json()["result"] == {}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FASTMCP_PORT", "eighty"),
        ("FASTMCP_JSON_RESPONSE", "perhaps"),
        ("FASTMCP_EVENT_STORE", "postgres"),
        ("FASTMCP_HTTP_ALLOWED_HOSTS", "not json"),
        ("FASTMCP_STREAMABLE_HTTP_PATH", "mcp"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line(variable: str, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=REPO,
        env=child_environment({variable: value}),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_a_bad_setting_also_stops_gunicorn_workers_cleanly() -> None:
    command = [sys.executable, "-m", "gunicorn", "-c", "infra/gunicorn.conf.py", "app.main:app"]
    env = child_environment({"FASTMCP_LIST_PAGE_SIZE": "-1", "GUNICORN_BIND": f"127.0.0.1:{free_port()}"})
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "FASTMCP_LIST_PAGE_SIZE" in result.stderr
    assert "Traceback" not in result.stderr
