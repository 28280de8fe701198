"""The CI guard: the quick benchmark must keep our tools/call rate above a share of the bare
Starlette echo's, measured in the same run (a ratio, never an absolute time)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_TIMEOUT = 120


def test_quick_benchmark_keeps_the_ratio_to_the_starlette_echo() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "infra.bench", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )
    print(completed.stdout)
    assert completed.returncode == 0, completed.stderr[-3000:] + completed.stdout
