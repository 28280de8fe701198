"""infra/gunicorn.conf.py: the defaults promised in its comments, every one overridable, and
nothing in it that gunicorn would silently ignore."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gunicorn.config import Config

from infra.sim.nginx import TEMPLATE


def _load(repo: Path) -> dict[str, Any]:
    settings = runpy.run_path(str(repo / "infra" / "gunicorn.conf.py"))
    # gunicorn silently skips a name that is no setting, so a typo would go unnoticed: imports
    # aside, every lower-case name must be one.
    return {
        name: value
        for name, value in settings.items()
        if name.islower() and not name.startswith("_") and not isinstance(value, ModuleType)
    }


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The config reads these variables; the tests set the ones they need."""
    for name in list(os.environ):
        if name.startswith(("GUNICORN_", "FASTMCP_")) or name in ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
            monkeypatch.delenv(name)


def test_every_name_is_a_gunicorn_setting(repo: Path) -> None:
    unknown = set(_load(repo)) - set(Config().settings)
    assert not unknown, f"gunicorn ignores these: {unknown}"


def test_defaults(repo: Path) -> None:
    settings = _load(repo)
    assert settings["worker_class"] == "app.serving.Worker"
    assert settings["workers"] == 1
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["graceful_timeout"] == 40
    assert settings["control_socket_disable"] is True
    assert settings["worker_tmp_dir"] == "/dev/shm"
    assert settings["preload_app"] is False
    assert settings["accesslog"] is None
    assert settings["max_requests"] == 0


def test_keepalive_outlives_the_proxys_upstream_keepalive(repo: Path) -> None:
    """The proxy must close idle upstream connections first, or a request can meet a closing socket."""
    nginx_seconds = int(re.search(r"keepalive_timeout (\d+)s;", TEMPLATE.read_text()).group(1))  # type: ignore[union-attr]
    assert _load(repo)["keepalive"] > nginx_seconds


def test_the_environment_overrides_every_knob(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("FASTMCP_HOST", "0.0.0.0")
    monkeypatch.setenv("FASTMCP_PORT", "9000")
    monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", "25")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "1000")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1")
    monkeypatch.setenv("GUNICORN_ACCESSLOG", "-")
    monkeypatch.setenv("FASTMCP_LOG_LEVEL", "DEBUG")
    settings = _load(repo)
    assert (settings["workers"], settings["bind"], settings["graceful_timeout"]) == (4, "0.0.0.0:9000", 25)
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (1000, 100)
    assert (settings["forwarded_allow_ips"], settings["accesslog"], settings["loglevel"]) == ("10.0.0.1", "-", "debug")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:7000")
    assert _load(repo)["bind"] == "127.0.0.1:7000"


def test_gunicorn_accepts_the_config_with_the_app(repo: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--config", "infra/gunicorn.conf.py", "app.main:app"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
