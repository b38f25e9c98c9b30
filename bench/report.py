"""What a benchmark run reports: each figure beside its baseline and target, as a table, as
`results/latest.json`, and as charts (throughput second by second, latency percentiles)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.load import PERCENTILES, Run


@dataclass(frozen=True)
class Result:
    """One figure, the baseline measured beside it in the same run, and whether it met its target.

    `ratio` is `value / baseline`; `target` is the least ratio that meets it. For a figure with
    a limit rather than a baseline (a latency), `baseline` is the limit and `ratio` is how many
    times the figure stays under it: `limit / value`, met from 1.
    """

    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    target: float
    met: bool


def result(name: str, value: float, unit: str, baseline: float, target: float) -> Result:
    ratio = value / baseline if baseline else 0.0
    return Result(
        name=name,
        value=round(value, 2),
        unit=unit,
        baseline=round(baseline, 2),
        ratio=round(ratio, 3),
        target=target,
        met=ratio >= target,
    )


def limit_result(name: str, value: float, unit: str, limit: float) -> Result:
    ratio = limit / value if value else float("inf")
    return Result(
        name=name,
        value=round(value, 2),
        unit=unit,
        baseline=limit,
        ratio=round(ratio, 3),
        target=1.0,
        met=ratio >= 1.0,
    )


@dataclass(frozen=True)
class Measured:
    """A load as it is charted: its name and what the load loop recorded."""

    name: str
    run: Run


def print_table(results: Sequence[Result], console: Console) -> None:
    table = Table(title="No Wrong Door benchmarks")
    for heading in ("benchmark", "value", "baseline", "ratio", "target", "met"):
        table.add_column(heading, justify="left" if heading == "benchmark" else "right")
    for found in results:
        table.add_row(
            found.name,
            f"{found.value:g} {found.unit}",
            f"{found.baseline:g} {found.unit}",
            f"{found.ratio:.3f}",
            f"≥ {found.target:g}",
            "yes" if found.met else "[bold red]no[/]",
        )
    console.print(table)


def write_json(results: Sequence[Result], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "latest.json"
    path.write_text(json.dumps([asdict(found) for found in results], indent=2) + "\n")
    return path


def draw_charts(measured: Sequence[Measured], folder: Path) -> list[Path]:
    """Throughput over time and latency percentiles of every load, as PNG files; none when no
    load ran."""
    if not measured:
        return []
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot

    folder.mkdir(parents=True, exist_ok=True)
    throughput, axes = pyplot.subplots(figsize=(9, 5))
    for load in measured:
        axes.plot(range(1, len(load.run.per_second) + 1), load.run.per_second, label=load.name)
    axes.set_xlabel("second of the measured window")
    axes.set_ylabel("requests answered per second")
    axes.set_title("Throughput over time")
    axes.legend(fontsize="small")
    throughput_path = folder / "throughput.png"
    throughput.savefig(throughput_path, dpi=100, bbox_inches="tight")

    latency, axes = pyplot.subplots(figsize=(9, 5))
    width = 0.8 / len(PERCENTILES)
    for offset, q in enumerate(PERCENTILES):
        values = [load.run.percentile(q) * 1000 for load in measured]
        positions = [n + offset * width for n in range(len(measured))]
        axes.bar(positions, values, width=width, label=f"p{q}")
    axes.set_xticks([n + width for n in range(len(measured))])
    axes.set_xticklabels([load.name for load in measured], rotation=20, ha="right", fontsize=8)
    axes.set_ylabel("milliseconds")
    axes.set_title("Latency percentiles")
    axes.legend()
    latency_path = folder / "latency.png"
    latency.savefig(latency_path, dpi=100, bbox_inches="tight")
    pyplot.close("all")
    return [throughput_path, latency_path]
