"""The official conformance suite through the rig: nginx (least_conn) in front of 3 instances x 2
workers and Redis. Every request of a scenario may land on a different worker, including the
client's answers to sampling and elicitation, which reach the waiting tool through Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.sim import Rig
from tests.support.conformance import DEFAULT_SUITE, SuiteRun, describe, run_suite
from tests.support.servers import CONFORMANCE_SERVER


@pytest.fixture(scope="module")
def suite_through_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRun]:
    with Rig(instances=3, workers=2, server=CONFORMANCE_SERVER) as rig:
        yield run_suite(rig.url, tmp_path_factory.mktemp("conformance-rig"))


@pytest.mark.parametrize("scenario", DEFAULT_SUITE)
def test_scenario_through_the_rig(scenario: str, suite_through_rig: SuiteRun) -> None:
    checks = suite_through_rig.checks.get(scenario)
    assert checks is not None, f"{scenario} wrote no checks.json:\n{suite_through_rig.output[-3000:]}"
    failed = [check for check in checks if check["status"] == "FAILURE"]
    assert not failed, f"{scenario} failed through the rig:\n{describe(checks)}"
