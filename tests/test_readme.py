"""The README is the front door: its examples must run and its settings table must be complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.protocol import MCPServer
from app.settings import Settings
from tests.support.client import MCPTestClient
from tests.support.servers import ServerSpec, start_server

REPO = Path(__file__).parents[1]
README = (REPO / "README.md").read_text()
EXAMPLES = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "from app.protocol" in block]
SAMPLE_VALUES = {"string": "x", "integer": 1, "number": 1.5, "boolean": True}
"""A value of each JSON Schema type the examples' parameters use."""


def sample_object(schema: dict[str, Any]) -> dict[str, Any]:
    """A value for every property of an object schema (a tool's inputSchema, an elicitation's)."""
    return {name: SAMPLE_VALUES[prop["type"]] for name, prop in schema.get("properties", {}).items()}


async def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The client's side of ``ctx.sample`` and ``ctx.elicit``: a model's reply, a user who accepts."""
    params = request["params"]
    match request["method"]:
        case "sampling/createMessage":
            return {"role": "assistant", "content": {"type": "text", "text": "x"}, "model": "test-model"}
        case "elicitation/create":
            return {"action": "accept", "content": sample_object(params["requestedSchema"])}
        case method:
            raise NotImplementedError(method)


@pytest.mark.parametrize("source", EXAMPLES, ids=[f"example-{n}" for n in range(len(EXAMPLES))])
async def test_readme_tool_examples_run(source: str, tmp_path: Path) -> None:
    """Each example, served as its own module the way the README says, answers a call to every tool."""
    namespace: dict[str, object] = {}
    exec(compile(source, "README.md", "exec"), namespace)
    server = namespace["server"]
    assert isinstance(server, MCPServer)
    assert server.tools, "every example registers at least one tool"

    (tmp_path / "readme_example.py").write_text(source)
    env = {"PYTHONPATH": str(tmp_path)}
    if server.scopes():  # served as the README says: with a token that holds them
        (tmp_path / "tokens").write_text(f"readme-token {' '.join(server.scopes())}\n")
        env.update(FASTMCP_AUTH="bearer", FASTMCP_AUTH_BEARER_TOKENS_FILE=str(tmp_path / "tokens"))
    running = start_server(ServerSpec.of("readme_example:server", **env))
    try:
        capabilities = {"sampling": {}, "elicitation": {}}
        http = httpx.AsyncClient(headers={"Authorization": "Bearer readme-token"}, timeout=10)
        async with http, MCPTestClient(running.url, capabilities=capabilities, on_request=answer, http=http) as client:
            await client.initialize()
            tools = (await client.request("tools/list")).result["tools"]
            assert {tool["name"] for tool in tools} == set(server.tools)
            for tool in tools:
                arguments = sample_object(tool["inputSchema"])
                result = (await client.request("tools/call", {"name": tool["name"], "arguments": arguments})).result
                assert not result.get("isError"), f"{tool['name']}({arguments}): {result}"
    finally:
        running.stop()


def test_every_setting_is_in_the_readme_table() -> None:
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", README, re.M))
    names = {field.validation_alias or f"FASTMCP_{name.upper()}" for name, field in Settings.model_fields.items()}
    assert names <= table, f"missing from the README: {sorted(names - table)}"
    assert table <= names, f"in the README but not a setting: {sorted(table - names)}"


def test_the_two_commands_open_the_readme() -> None:
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[:2] == [
        "make run    # serve the example tools on http://127.0.0.1:8000/mcp",
        "make test   # install what the tests need (Python, npm, nginx, Redis) and run the whole suite",
    ]


REPO_PATH = re.compile(r"(?<![\w/.-])(?:app|infra|k8s|tests|tools)/[\w./*-]*[\w*]")
"""A path into the repository as the docs write it (``/app/...`` inside the image is not one)."""
MCP_METHODS = {"tools/call", "tools/list"}
"""Written like paths into tools/, but protocol methods."""


def test_every_file_the_docs_and_manifests_mention_exists() -> None:
    documents = [REPO / "README.md", REPO / "Dockerfile", REPO / "Makefile", *sorted((REPO / "k8s").rglob("*.yaml"))]
    mentioned = {(path, document.name) for document in documents for path in REPO_PATH.findall(document.read_text())}
    missing = sorted((path, where) for path, where in mentioned if path not in MCP_METHODS and not any(REPO.glob(path)))
    assert not missing, f"mentioned but not in the repository: {missing}"
