"""The official MCP conformance suite (npm ``@modelcontextprotocol/conformance``, server mode) against our server.

The suite runs once, every scenario in one node process (about 3 s), against the app serving
``tests/fixtures/conformance_server.py``; each scenario then gets its own test that reads its
``checks.json``. A scenario passes when none of its checks is a FAILURE (WARNING and INFO never
fail, as upstream counts them). ``--suite all`` adds the two *pending* scenarios to the default
ones, so they are watched too.

Expected failures are listed in ``EXPECTED_TO_FAIL`` with the checks that must be the ones failing:
such a scenario fails this test if it starts to pass (delete its line) or fails for another reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.client import MCPTestClient
from tests.support.conformance import SCENARIOS, SuiteRun, describe, run_suite
from tests.support.proxy import validating_proxy
from tests.support.servers import RunningServer

BACK_CHANNEL_SCENARIOS = frozenset(
    {"tools-call-sampling", "tools-call-elicitation", "elicitation-sep1034-defaults", "elicitation-sep1330-enums"}
)
"""Need a server-to-client request answered by a separate POST (sampling, elicitation): the issue
allowed these to fail until the scale-out back-channel landed. It has, so they are held to pass."""


@dataclass(frozen=True)
class ExpectedFailure:
    checks: frozenset[str]
    """Exactly the check ids that fail; any other failing check fails the test."""
    reason: str


EXPECTED_TO_FAIL: dict[str, ExpectedFailure] = {
    # e.g. "json-schema-2020-12": ExpectedFailure(frozenset({"json-schema-2020-12-$schema"}), "why"),
}
"""Scenario -> why it fails. Empty this when the server catches up; a stale entry fails the test."""

FIXTURES = {
    "tools": {
        "test_simple_text",
        "test_image_content",
        "test_audio_content",
        "test_embedded_resource",
        "test_multiple_content_types",
        "test_tool_with_logging",
        "test_tool_with_progress",
        "test_error_handling",
        "test_sampling",
        "test_elicitation",
        "test_elicitation_sep1034_defaults",
        "test_elicitation_sep1330_enums",
        "json_schema_2020_12_tool",
        "test_reconnection",
    },
    "resources": {"test://static-text", "test://static-binary", "test://watched-resource"},
    "resourceTemplates": {"test://template/{id}/data"},
    "prompts": {
        "test_simple_prompt",
        "test_prompt_with_arguments",
        "test_prompt_with_embedded_resource",
        "test_prompt_with_image",
    },
}
"""What the scenarios call. Some official checks pass without their fixture (a missing tool's error
text satisfies tools-call-simple-text and tools-call-error), so presence is checked on its own."""


@pytest.fixture(scope="module")
def suite_run(conformance_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """The verdicts: the suite talking to the server directly."""
    return run_suite(conformance_server.url, tmp_path_factory.mktemp("conformance"))


def test_every_scenario_ran(suite_run: SuiteRun) -> None:
    """Each scenario wrote its checks (a crash or a suite upgrade with new scenarios shows here)."""
    assert set(suite_run.checks) == set(SCENARIOS), (
        f"missing: {sorted(set(SCENARIOS) - set(suite_run.checks))}, "
        f"unknown: {sorted(set(suite_run.checks) - set(SCENARIOS))}\n{suite_run.output[-3000:]}"
    )


def test_exit_status_agrees_with_the_checks(suite_run: SuiteRun) -> None:
    failed = any(check["status"] == "FAILURE" for checks in suite_run.checks.values() for check in checks)
    assert suite_run.returncode == (1 if failed else 0), suite_run.output[-3000:]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: str, suite_run: SuiteRun) -> None:
    checks = suite_run.checks.get(scenario)
    assert checks is not None, f"{scenario} wrote no checks.json:\n{suite_run.output[-3000:]}"
    failed = {check["id"] for check in checks if check["status"] == "FAILURE"}
    expected = EXPECTED_TO_FAIL.get(scenario)
    if expected is None:
        hint = " (needs the server-to-client back-channel)" if scenario in BACK_CHANNEL_SCENARIOS else ""
        assert not failed, f"{scenario} failed{hint}:\n{describe(checks)}"
    else:
        assert failed, f"{scenario} now passes: delete it from EXPECTED_TO_FAIL ({expected.reason})"
        assert failed == expected.checks, (
            f"{scenario} was expected to fail only {sorted(expected.checks)} ({expected.reason}), "
            f"but failed:\n{describe(checks)}"
        )


def test_every_reply_the_suite_received_matches_the_schema(
    conformance_server: RunningServer, suite_run: SuiteRun, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same run again through a validating proxy: every message the suite's client parsed is
    checked against the official schema, and the verdicts must not change (the proxy is transparent)."""
    with validating_proxy(conformance_server.url) as proxy:
        proxied = run_suite(proxy.url, tmp_path_factory.mktemp("conformance-proxied"))
    assert not proxy.violations, "\n".join(proxy.violations)
    assert proxy.checked.get("2025-11-25", 0) >= 60, proxy.checked

    def verdicts(run: SuiteRun) -> dict[str, set[str]]:
        return {name: {c["id"] for c in checks if c["status"] == "FAILURE"} for name, checks in run.checks.items()}

    assert verdicts(proxied) == verdicts(suite_run)


def test_expected_failures_are_known_scenarios() -> None:
    assert set(EXPECTED_TO_FAIL) <= set(SCENARIOS)


async def test_server_lists_every_fixture_the_suite_calls(conformance_server: RunningServer) -> None:
    """The ``--require-fixtures`` check: a weak official check cannot pass on a missing fixture."""
    async with MCPTestClient(conformance_server.url) as client:
        await client.initialize()
        listed = {
            "tools": {t["name"] for t in (await client.request("tools/list")).result["tools"]},
            "resources": {r["uri"] for r in (await client.request("resources/list")).result["resources"]},
            "resourceTemplates": {
                t["uriTemplate"] for t in (await client.request("resources/templates/list")).result["resourceTemplates"]
            },
            "prompts": {p["name"] for p in (await client.request("prompts/list")).result["prompts"]},
        }
    missing = {kind: sorted(names - listed[kind]) for kind, names in FIXTURES.items() if names - listed[kind]}
    assert not missing, f"fixtures the suite calls are not listed: {missing}"
