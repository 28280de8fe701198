"""Linters over the deployment files (yamllint; hadolint and checkov on the Dockerfile; nginx -t),
and the promises of the proxy template."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from infra.sim.nginx import TEMPLATE, write_config

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_yamllint_passes_every_yaml_file(run: Run) -> None:
    completed = run("yamllint", "--strict", "--config-file", ".yamllint.yaml", ".")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_hadolint_passes_the_dockerfile(run: Run) -> None:
    completed = run("hadolint", "Dockerfile")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_checkov_passes_the_dockerfile(run: Run) -> None:
    completed = run(
        "checkov",
        "--file",
        "Dockerfile",
        "--framework",
        "dockerfile",
        "--skip-download",
        "--compact",
        "--output",
        "json",
    )
    report = json.loads(completed.stdout)
    failed = [f"{c['check_id']}: {c['check_name']}" for c in report["results"]["failed_checks"]]
    assert not failed and completed.returncode == 0, "\n".join(failed) or completed.stderr
    assert report["summary"]["passed"] > 0 and not report["results"].get("skipped_checks")


def test_nginx_accepts_the_proxy_template(run: Run, tmp_path: Path) -> None:
    """The template as the rig fills it in, under a minimal main config; `nginx -t` parses both."""
    conf = write_config(tmp_path, "127.0.0.1:8080", ["127.0.0.1:8001", "127.0.0.1:8002"])
    completed = run("nginx", "-t", "-p", f"{tmp_path}/", "-c", str(conf), "-e", str(tmp_path / "error.log"))
    assert completed.returncode == 0, completed.stderr
    assert "test is successful" in completed.stderr


def test_the_proxy_template_streams_balances_and_limits_like_the_app() -> None:
    """What `nginx -t` cannot tell: the directives the streaming and scale-out behaviour rest on."""
    directives: dict[str, list[str]] = {}
    for line in TEMPLATE.read_text().splitlines():
        name, _, value = line.split("#", 1)[0].strip().rstrip(";").partition(" ")
        directives.setdefault(name, []).append(value.strip())
    assert directives["least_conn"] == [""]
    assert not {"ip_hash", "hash", "sticky"} & directives.keys(), "no stickiness"
    assert directives["proxy_buffering"] == ["off"] and directives["proxy_cache"] == ["off"]
    assert directives["proxy_http_version"] == ["1.1"]
    assert directives["proxy_set_header"].count('Connection ""') == 1
    assert "Host $host" in directives["proxy_set_header"]
    assert directives["server_tokens"] == ["off"]
    for timeout in ("proxy_read_timeout", "proxy_send_timeout"):
        assert int(re.fullmatch(r"(\d+)s", directives[timeout][0]).group(1)) >= 3600  # type: ignore[union-attr]
    megabytes = int(directives["client_max_body_size"][0].removesuffix("m"))
    assert megabytes * 1024 * 1024 == Settings.model_fields["max_request_body_size"].default
