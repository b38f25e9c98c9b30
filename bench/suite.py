"""What every benchmark is handed: the platform, the baselines' server, the load's shape and the
progress bar, and where it leaves what it measured."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.progress import Progress

from bench.load import Run, Send, drive
from bench.report import Measured, Result
from bench.running import Platform


@dataclass
class Bench:
    platform: Platform
    baseline_url: str
    progress: Progress
    connections: int
    seconds: float
    warmup: float
    results: list[Result] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)

    async def load(
        self, name: str, base_url: str, send: Send, *, headers: dict[str, str] | None = None
    ) -> Run:
        """One load, shown on the progress bar and kept for the charts."""
        task = self.progress.add_task(name, total=self.warmup + self.seconds)
        run = await drive(
            base_url,
            send,
            connections=self.connections,
            seconds=self.seconds,
            warmup=self.warmup,
            tick=lambda: self.progress.advance(task),
            headers=headers,
        )
        self.progress.update(task, completed=self.warmup + self.seconds)
        if run.failures:
            counted = len(run.latencies) + run.failures
            self.progress.console.print(
                f"[yellow]{name}: {run.failures} of {counted} requests were not answered "
                "as they should be[/]"
            )
        self.measured.append(Measured(name, run))
        return run
