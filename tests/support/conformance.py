"""Running the official conformance suite (npm ``@modelcontextprotocol/conformance``, server mode).

One node process runs every scenario against a URL (about 3 s) and writes a ``checks.json`` per
scenario; :func:`run_suite` collects them, so tests can judge each scenario on its own.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import node

SUITE_TIMEOUT = 120.0
"""Wall-clock bound of the whole run; it takes about 3 s (the TS client gives up on one request after 60 s)."""

DEFAULT_SUITE = (
    "server-initialize",
    "logging-set-level",
    "ping",
    "completion-complete",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-image",
    "tools-call-audio",
    "tools-call-embedded-resource",
    "tools-call-mixed-content",
    "tools-call-with-logging",
    "tools-call-error",
    "tools-call-with-progress",
    "tools-call-sampling",
    "tools-call-elicitation",
    "elicitation-sep1034-defaults",
    "server-sse-multiple-streams",
    "elicitation-sep1330-enums",
    "resources-list",
    "resources-read-text",
    "resources-read-binary",
    "resources-templates-read",
    "resources-subscribe",
    "resources-unsubscribe",
    "prompts-list",
    "prompts-get-simple",
    "prompts-get-with-args",
    "prompts-get-embedded-resource",
    "prompts-get-with-image",
    "dns-rebinding-protection",
)
"""The suite's default ("active") scenarios in 0.1.16: every one must pass."""
PENDING_SUITE = ("json-schema-2020-12", "server-sse-polling")
"""Not in the default suite yet; run and watched all the same."""
SCENARIOS = DEFAULT_SUITE + PENDING_SUITE

_RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    checks: dict[str, list[dict[str, Any]]]
    """Scenario -> its checks, for every scenario that wrote a ``checks.json``."""


def run_suite(url: str, out: Path) -> SuiteRun:
    node.require(node.CONFORMANCE_CLI)
    command = [node.CONFORMANCE_CLI, "server", "--url", url, "--suite", "all", "-o", out]
    try:
        completed = node.run(command, timeout=SUITE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the conformance suite did not finish within {SUITE_TIMEOUT:g} s: {exc.stdout!r}")
    return SuiteRun(completed.returncode, completed.stdout + completed.stderr, _read_checks(out))


def _read_checks(out: Path) -> dict[str, list[dict[str, Any]]]:
    checks: dict[str, list[dict[str, Any]]] = {}
    for directory in sorted(out.iterdir()):
        found = _RESULT_DIR.match(directory.name)
        if found is not None and (directory / "checks.json").exists():
            checks[found["scenario"]] = json.loads((directory / "checks.json").read_text())
    return checks


def describe(checks: list[dict[str, Any]], statuses: tuple[str, ...] = ("FAILURE", "WARNING")) -> str:
    return "\n".join(
        f"  {check['status']} {check['id']}: {check.get('errorMessage') or check.get('description', '')}"
        f"{' ' + json.dumps(check['details']) if check.get('details') and check['status'] != 'SUCCESS' else ''}"
        for check in checks
        if check["status"] in statuses
    )
