"""The image without a container engine: the build context ``.dockerignore`` lets through, the wheel the
Dockerfile's builder stage installs with your tools' requirements, and gunicorn started from that
install the way the image's ENTRYPOINT starts it, outside the checkout, serving a module of the
``tools`` package that is not the template's example.

The install is a venv of its own holding only the wheel; the template's dependencies come from the
test venv through a ``.pth`` line, which (unlike a site directory) runs none of that venv's ``.pth``
files, so the checkout's editable install stays out of sight.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.servers import REPO, child_environment, free_port, spawned

DOCKERFILE = (REPO / "Dockerfile").read_text()
CONTEXT = [line[1:].rstrip("/") for line in (REPO / ".dockerignore").read_text().splitlines() if line.startswith("!")]
"""What the build context holds: the entries the allow-list lets through."""
TOKEN = "image-layout-token"
INVENTORY = '''"""A module of your own in the tools package, with a requirement of its own."""

import yaml
from pydantic import BaseModel

from app.protocol import MCPServer

server = MCPServer("inventory")
STOCK = yaml.safe_load("widget: 3\\ngadget: 0")


class Stock(BaseModel):
    sku: str
    count: int


@server.tool
def stock(sku: str) -> Stock:
    """How many of an item are left."""
    return Stock(sku=sku, count=STOCK.get(sku, 0))
'''


@dataclass
class Install:
    python: Path
    workdir: Path
    """The image's WORKDIR: gunicorn's configuration and nothing else."""
    env: dict[str, str]


def pip(*args: str | Path, cwd: Path) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, f"{' '.join(command)}:\n{completed.stdout}\n{completed.stderr}"


def copy_context(destination: Path) -> None:
    ignored = shutil.ignore_patterns("__pycache__", "*.py[co]")
    for entry in CONTEXT:
        source, target = REPO / entry, destination / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignored)
        else:
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The context with ``tools/inventory.py`` added, built into a wheel and installed as the Dockerfile does."""
    root = tmp_path_factory.mktemp("image")
    context, dist, venv, workdir = root / "context", root / "dist", root / "opt-venv", root / "app"
    copy_context(context)
    (context / "tools" / "inventory.py").write_text(INVENTORY)
    with (context / "tools" / "requirements.txt").open("a") as requirements:
        requirements.write("PyYAML>=6\n")

    pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", dist, ".", cwd=context)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site_packages = next((venv / "lib").glob("python*/site-packages"))
    (site_packages / "template-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    pip("--python", python, "install", "--no-index", "-r", "tools/requirements.txt", cwd=context)
    pip("--python", python, "install", "--no-index", "--no-deps", *dist.glob("*.whl"), cwd=context)
    subprocess.run([python, "-m", "compileall", "-q", site_packages], check=True)

    (workdir / "infra").mkdir(parents=True)
    shutil.copy2(context / "infra" / "gunicorn.conf.py", workdir / "infra")
    (root / "tokens").write_text(f"{TOKEN}\n")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "PYTHONPATH": "",
        "PYTHONDONTWRITEBYTECODE": "1",
        "FASTMCP_AUTH": "bearer",
        "FASTMCP_AUTH_BEARER_TOKENS_FILE": str(root / "tokens"),
        "FASTMCP_SERVER": "tools.inventory:server",
    }
    return Install(python, workdir, env)


def test_the_dockerfile_copies_only_what_the_context_holds() -> None:
    sources = re.findall(r"^COPY (?!--)(\S+)", DOCKERFILE, re.M)
    assert {"tools/requirements.txt", "tools"} <= set(sources), "the image ships your tools and their requirements"
    for source in sources:
        assert any(source == entry or source.startswith(f"{entry}/") for entry in CONTEXT), source
    assert re.search(r"^RUN pip install .* -r tools/requirements\.txt", DOCKERFILE, re.M)
    assert "FASTMCP_SERVER=tools:server" in DOCKERFILE


def test_the_install_is_what_runs(installed: Install) -> None:
    """``app`` and ``tools`` come from the installed wheel, not from the checkout."""
    completed = subprocess.run(
        [installed.python, "-c", "import app, tools.inventory; print(app.__file__); print(tools.inventory.__file__)"],
        cwd=installed.workdir,
        env=child_environment(installed.env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    files = completed.stdout.split()
    venv = installed.python.parents[1]
    assert len(files) == 2 and all(Path(file).is_relative_to(venv) for file in files), files


@pytest.fixture(scope="module")
def image(installed: Install) -> Iterator[str]:
    """gunicorn with the image's configuration, started in the image's WORKDIR."""
    port = free_port()
    command = [str(installed.python), "-m", "gunicorn", "--config", "infra/gunicorn.conf.py", "app.main:app"]
    env = {**installed.env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with spawned(command, port, env, cwd=installed.workdir) as base:
        yield f"{base}/mcp"


async def test_a_tool_of_your_own_answers_from_the_installed_image(image: str) -> None:
    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    async with http, Client(streamable_http_client(image, http_client=http), read_timeout_seconds=10) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["stock"]
        result = await client.call_tool("stock", {"sku": "widget"})
    assert not result.is_error
    assert result.structured_content == {"sku": "widget", "count": 3}
