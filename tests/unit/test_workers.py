"""How many workers share the process's memory: WEB_CONCURRENCY, or uvicorn's --workers."""

from __future__ import annotations

import pytest

from app.settings import Settings
from app.workers import worker_count, workers_flag


@pytest.mark.parametrize(
    ("argv", "workers"),
    [
        (["uvicorn", "app.main:app", "--workers", "4"], 4),
        (["uvicorn", "app.main:app", "--workers=3", "--port", "1"], 3),
        (["uvicorn", "app.main:app", "--reload"], None),
        (["uvicorn", "app.main:app", "--workers"], None),
    ],
)
def test_the_workers_flag(argv: list[str], workers: int | None) -> None:
    assert workers_flag(argv) == workers


def test_web_concurrency_wins_and_a_lone_process_is_one_worker() -> None:
    assert worker_count(Settings(web_concurrency=3)) == 3  # type: ignore[call-arg]
    assert worker_count(Settings(), argv=["uvicorn", "--workers", "8"]) == 1, "not a spawned child"
