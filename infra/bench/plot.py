"""fleet.png: throughput and latency per fleet configuration, next to results.md.

matplotlib is a benchmark extra (``pip install -e '.[bench]'``, which ``make bench`` does), never a
runtime or test dependency, so it is imported here only.
"""

from __future__ import annotations

from pathlib import Path

from infra.bench.fleet import Fleet

FILE_NAME = "fleet.png"


def write_fleet(fleet: Fleet, directory: Path) -> Path | None:
    """Write the picture; ``None`` (and nothing written) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        return None
    labels = [f"nginx + {row.instances}\n{row.short}" for row in fleet.rows]
    positions = range(len(fleet.rows))
    figure, (throughput, latency) = pyplot.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    throughput.bar(positions, [row.rps for row in fleet.rows], color="#1f77b4")
    throughput.set(title="Throughput", ylabel="req/s")
    width = 0.4
    latency.bar([p - width / 2 for p in positions], [row.p50_ms for row in fleet.rows], width, label="p50")
    latency.bar([p + width / 2 for p in positions], [row.p99_ms for row in fleet.rows], width, label="p99")
    latency.set(title="Latency under load", ylabel="ms")
    if fleet.resumes.seconds:
        resumed = len(fleet.rows)
        latency.bar(resumed - width / 2, fleet.resumes.p50_ms, width, color="#1f77b4")
        latency.bar(resumed + width / 2, fleet.resumes.p99_ms, width, color="#ff7f0e")
        labels.append("resume on the\nother instance")
    for axes, count in ((throughput, len(fleet.rows)), (latency, len(labels))):
        axes.set_xticks(range(count), labels[:count], fontsize=8)
        axes.grid(axis="y", alpha=0.3)
    latency.legend()
    path = directory / FILE_NAME
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
