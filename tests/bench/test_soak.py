"""The short soak: every reply kind with each store, tens of thousands of calls, memory flat after
warm-up and Redis holding no stream past the retention window (``python -m infra.bench.soak``)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_TIMEOUT = 240


def test_memory_stays_flat_under_every_reply_kind_and_store(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "infra.bench.soak", "--calls", "20000", "--retention", "2", "--out", str(tmp_path)]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    print(completed.stdout)
    assert completed.returncode == 0, completed.stderr[-3000:] + completed.stdout
    table = (tmp_path / "soak.md").read_text()
    assert table.count("| flat |") == 6, table
