"""The README is the front door: its examples must run and its settings table must be complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.protocol import MCPServer
from app.settings import Settings

README = (Path(__file__).parents[1] / "README.md").read_text()
EXAMPLES = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "from app.protocol" in block]


@pytest.mark.parametrize("source", EXAMPLES, ids=[f"example-{n}" for n in range(len(EXAMPLES))])
def test_readme_tool_examples_run(source: str) -> None:
    namespace: dict[str, object] = {}
    exec(compile(source, "README.md", "exec"), namespace)
    server = namespace["server"]
    assert isinstance(server, MCPServer)
    assert server.tools, "every example registers at least one tool"


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
