"""What every benchmark is handed: the platform, the baselines' server, the load's shape, its
driver and the progress bar, and where it leaves what it measured."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import Progress

from bench import wrk
from bench.load import Driver, Request, Run, drive_with_httpx
from bench.report import Measured, Result
from bench.running import Platform


def chosen_driver(console: Console) -> Driver:
    """wrk when it is installed, else the httpx client in this process; says which."""
    found = wrk.installed()
    if found:
        console.print(f"load: wrk ({found})")
        return wrk.drive_with_wrk
    console.print(
        "load: httpx from this process, which caps the bare baselines; "
        "`apt-get install wrk` gives truer baselines"
    )
    return drive_with_httpx


@dataclass
class Bench:
    platform: Platform
    baseline_url: str
    progress: Progress
    connections: int
    seconds: float
    warmup: float
    cases: int = 100_000
    """Cases stored for `growth`'s second measure."""
    soak_seconds: float = 600.0
    alongside: Callable[[Bench], Awaitable[None]] | None = None
    """What runs while `growth` fills its cases (in the whole suite, `soak`)."""
    filling: bool = False
    """True while `growth` fills its cases: what runs alongside has its load."""
    results: list[Result] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)
    driver: Driver = field(init=False)

    def __post_init__(self) -> None:
        self.driver = chosen_driver(self.progress.console)

    async def alongside_filling(self) -> None:
        if self.alongside:
            await self.alongside(self)

    async def load(
        self,
        name: str,
        base_url: str,
        requests: Sequence[Request],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Run:
        """One load cycling through `requests`, each with `headers` added, shown on the progress
        bar and kept for the charts."""
        task = self.progress.add_task(name, total=self.warmup + self.seconds)
        run = await self.driver(
            base_url,
            requests,
            connections=self.connections,
            seconds=self.seconds,
            warmup=self.warmup,
            tick=lambda: self.progress.advance(task),
            headers=headers,
        )
        self.progress.update(task, completed=self.warmup + self.seconds)
        if run.failures:
            counted = run.answered + run.failures
            self.progress.console.print(
                f"[yellow]{name}: {run.failures} of {counted} requests were not answered "
                "as they should be[/]"
            )
        self.measured.append(Measured(name, run))
        return run
