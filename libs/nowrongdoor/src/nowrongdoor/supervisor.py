"""Running the platform behind `nowrongdoor up`: embedded servers, then one process per service.

Embedded NATS, Redis and the mail catcher start first (unless URLs point elsewhere: NWD_NATS_URL,
NWD_REDIS_URL, NWD_SMTP_URL), then every declared service as
its own uvicorn process, planned by `nowrongdoor.planning`. A service that dies is restarted with
exponential backoff; Ctrl-C or SIGTERM stops the services, then the embedded servers.
`<data_dir>/run/pids.json` always names the live processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from nowrongdoor.embedded import (
    EmbeddedNats,
    EmbeddedRedis,
    EmbeddedServer,
    EmbeddedServerError,
    preferred_port,
)
from nowrongdoor.mailcatcher import EmbeddedMailCatcher
from nowrongdoor.planning import (
    PlatformConfig,
    ServiceSpec,
    child_environ,
    plan_specs,
    redact_url,
)
from nowrongdoor.plugins import ServiceDeclaration, database_services

# The planning names are re-exported: callers found them here before planning had its own module.
__all__ = [
    "EMBEDDED_NATS_PORT",
    "EMBEDDED_REDIS_PORT",
    "EMBEDDED_SMTP_PORT",
    "Platform",
    "PlatformConfig",
    "ServiceSpec",
    "Supervisor",
    "child_environ",
    "failures_after_exit",
    "plan_platform",
    "redact_url",
    "restart_delay",
]

# Not the standard 4222/6379, so `up` works beside a NATS or Redis the machine already runs.
EMBEDDED_NATS_PORT = 14222
EMBEDDED_NATS_MONITOR_PORT = 18222
EMBEDDED_REDIS_PORT = 16379
# The port mail catchers customarily take, so a newcomer's tools find it.
EMBEDDED_SMTP_PORT = 1025

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0

Console = Callable[[str], None]
"""Where the supervisor writes: one or more lines at a time, joined by newlines."""

PUMP_CHUNK = 1 << 16
PUMP_PAUSE = 0.05
"""Seconds a service's output gathers before it is written on: a line per request no longer costs
the supervisor a wake-up, a read and a write of its own."""


def __getattr__(name: str) -> tuple[ServiceDeclaration, ...]:
    # For callers from before services declared themselves: the declared ones, found when asked.
    if name == "DATABASE_SERVICES":
        return database_services()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def restart_delay(
    failures: int, *, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS
) -> float:
    """Seconds to wait before restart number `failures` (1-based): 1, 2, 4, … capped."""
    if failures < 1:
        return 0.0
    return float(min(base * 2 ** min(failures - 1, 62), cap))


def failures_after_exit(
    previous: int, uptime: float, *, stable_after: float = STABLE_AFTER_SECONDS
) -> int:
    """Consecutive failures counting this exit; a run that stayed up long enough starts afresh."""
    return 1 if uptime >= stable_after else previous + 1


# -- the planned platform --------------------------------------------------------------------


@dataclass
class Platform:
    """A planned platform: the servers to embed, the URLs every service is given, the specs."""

    config: PlatformConfig
    nats: EmbeddedNats | None
    redis: EmbeddedRedis | None
    specs: list[ServiceSpec]
    mail: EmbeddedMailCatcher | None = None

    @property
    def nats_url(self) -> str:
        return self.nats.url if self.nats else str(self.config.nats_url)

    @property
    def redis_url(self) -> str:
        return self.redis.url if self.redis else str(self.config.redis_url)

    @property
    def smtp_url(self) -> str | None:
        return self.mail.url if self.mail else self.config.smtp_url

    @property
    def embedded(self) -> list[EmbeddedServer]:
        servers: tuple[EmbeddedServer | None, ...] = (self.nats, self.redis, self.mail)
        return [server for server in servers if server is not None]

    @property
    def run_dir(self) -> Path:
        return self.config.data_dir / "run"

    async def run(
        self,
        stop: asyncio.Event | None = None,
        *,
        console: Console | None = None,
        on_all_ready: Callable[[], None] | None = None,
    ) -> None:
        """Run until `stop` is set; with no event given, until SIGINT or SIGTERM."""
        supervisor = Supervisor(
            self.specs,
            run_dir=self.run_dir,
            embedded=self.embedded,
            console=console or print_line,
            on_all_ready=on_all_ready,
        )
        await supervisor.run(stop)


def plan_platform(config: PlatformConfig) -> Platform:
    """Pick the embedded servers' ports and build every service's spec; nothing starts yet."""
    data_dir = config.data_dir
    nats = None
    if config.nats_url is None:
        nats = EmbeddedNats(
            data_dir / "nats",
            preferred_port(EMBEDDED_NATS_PORT),
            monitor_port=preferred_port(EMBEDDED_NATS_MONITOR_PORT),
        )
    redis = None
    if config.redis_url is None:
        redis = EmbeddedRedis(data_dir / "redis", preferred_port(EMBEDDED_REDIS_PORT))
    mail = None
    if config.smtp_url is None:
        mail = EmbeddedMailCatcher(
            data_dir / "mailcatcher", preferred_port(EMBEDDED_SMTP_PORT), folder=data_dir / "mail"
        )
    specs = plan_specs(
        config,
        nats_url=nats.url if nats else str(config.nats_url),
        redis_url=redis.url if redis else str(config.redis_url),
        mail_catcher_url=mail.url if mail else None,
    )
    return Platform(config=config, nats=nats, redis=redis, specs=specs, mail=mail)


# -- the supervisor --------------------------------------------------------------------------


def _text(line: bytes) -> str:
    return line.decode(errors="replace").rstrip("\r")


def print_line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class Supervisor:
    """Keeps every service process running until told to stop, then stops them all in order."""

    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        *,
        run_dir: Path,
        embedded: Sequence[EmbeddedServer] = (),
        console: Console = print_line,
        on_all_ready: Callable[[], None] | None = None,
        ready_timeout: float = 120.0,
        stop_timeout: float = STOP_TIMEOUT_SECONDS,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        backoff_cap: float = BACKOFF_CAP_SECONDS,
        stable_after: float = STABLE_AFTER_SECONDS,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.specs = list(specs)
        self.run_dir = run_dir
        self.embedded = list(embedded)
        self.console = console
        self.on_all_ready = on_all_ready
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.environ = dict(os.environ if environ is None else environ)
        self.pids: dict[str, int] = {}
        self._ever_ready: set[str] = set()
        self._force = asyncio.Event()
        width = max((len(name) for name in self._names()), default=0)
        self._width = width

    @property
    def pids_path(self) -> Path:
        return self.run_dir / "pids.json"

    def _names(self) -> Iterable[str]:
        yield from (spec.name for spec in self.specs)
        yield from (server.name for server in self.embedded)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Start everything and keep it running until `stop` is set (or, without one, a signal)."""
        own_signals = stop is None
        stop = stop or asyncio.Event()
        if own_signals:
            _install_signal_handlers(stop, self._force)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            await self._start_embedded()
            watchers = [
                asyncio.create_task(self._watch_embedded(server, stop)) for server in self.embedded
            ]
            keepers = [asyncio.create_task(self._keep_running(spec, stop)) for spec in self.specs]
            try:
                await stop.wait()
            finally:
                # Whether stopped or cancelled: services first, and they do stop.
                stop.set()
                await asyncio.shield(asyncio.gather(*keepers, return_exceptions=True))
                for watcher in watchers:
                    watcher.cancel()
                await asyncio.gather(*watchers, return_exceptions=True)
        finally:
            await asyncio.shield(self._stop_embedded())
            with contextlib.suppress(FileNotFoundError):
                self.pids_path.unlink()
            if own_signals:
                _remove_signal_handlers()
            self.console("stopped")

    # -- embedded servers

    async def _start_embedded(self) -> None:
        for server in self.embedded:
            await asyncio.to_thread(server.start)
            self._record_pid(server.name, server.pid)
            self.console(f"{server.name} is up at {redact_url(server.url)} (pid {server.pid})")

    async def _stop_embedded(self) -> None:
        for server in reversed(self.embedded):
            if server.running:
                await asyncio.to_thread(server.stop)
                self.console(f"{server.name} stopped")
            self._record_pid(server.name, None)

    async def _watch_embedded(self, server: EmbeddedServer, stop: asyncio.Event) -> None:
        """Restart an embedded server that died, on the same port and with the same data."""
        loop = asyncio.get_running_loop()
        failures = 0
        started = loop.time()
        while not stop.is_set():
            await _sleep_unless(stop, 0.5)
            if stop.is_set() or server.running:
                continue
            code = server.process.returncode if server.process is not None else None
            failures = failures_after_exit(failures, loop.time() - started, **self._stable())
            delay = restart_delay(failures, **self._backoff())
            self.console(f"{server.name} exited with code {code}; restarting in {delay:g} s")
            await _sleep_unless(stop, delay)
            if stop.is_set():
                break
            started = loop.time()
            try:
                await asyncio.to_thread(server.start)
            except EmbeddedServerError as error:
                self.console(f"{server.name} did not start again: {error}")
                continue
            self._record_pid(server.name, server.pid)
            self.console(f"{server.name} is up again (pid {server.pid})")

    # -- services

    async def _keep_running(self, spec: ServiceSpec, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while not stop.is_set():
            started = loop.time()
            outcome = await self._run_once(spec, stop)
            if stop.is_set():
                break
            failures = failures_after_exit(failures, loop.time() - started, **self._stable())
            delay = restart_delay(failures, **self._backoff())
            self.console(f"{spec.name} {outcome}; restarting in {delay:g} s")
            await _sleep_unless(stop, delay)
        self._record_pid(spec.name, None)

    async def _run_once(self, spec: ServiceSpec, stop: asyncio.Event) -> str:
        """Run one process of the service until it exits or `stop` is set; how it ended."""
        try:
            process = await asyncio.create_subprocess_exec(
                *spec.command(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=child_environ(self.environ, spec.env, spec.withheld),
                # Its own process group: Ctrl-C reaches only us, and we stop the services in
                # order. Not its own session, which the scheduler would weigh as a whole.
                process_group=0,
                # In the child before it runs, so every thread it starts inherits the niceness.
                preexec_fn=functools.partial(os.nice, spec.nice) if spec.nice else None,
                limit=1 << 20,
            )
        except OSError as error:
            return f"could not start ({error.strerror or type(error).__name__})"
        self._record_pid(spec.name, process.pid)
        assert process.stdout is not None
        pump = asyncio.create_task(self._pump(spec.name, process.stdout))
        ready = asyncio.create_task(self._announce_ready(spec, process))
        exited = asyncio.create_task(process.wait())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():
                await self._terminate(spec.name, process)
        finally:
            ready.cancel()
            stopping.cancel()
            if not exited.done():
                # Cancelled from outside: do not leave the child behind.
                process.kill()
            # Whatever is left in the pipe still belongs on the console.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(pump), timeout=2.0)
            pump.cancel()
            await asyncio.gather(ready, stopping, exited, pump, return_exceptions=True)
        return f"exited with code {process.returncode}"

    async def _terminate(self, name: str, process: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        exited = asyncio.ensure_future(process.wait())
        forced = asyncio.ensure_future(self._force.wait())
        done, _ = await asyncio.wait(
            {exited, forced}, timeout=self.stop_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        forced.cancel()
        if exited not in done:
            self.console(f"{name} did not stop within {self.stop_timeout:g} s; killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await exited

    async def _pump(self, name: str, stream: asyncio.StreamReader) -> None:
        """Put the service's output on the console, each line under its name.

        A busy service writes a line per request; the lines that gathered since the last pass go
        out together, one write for all, and the pump then waits `PUMP_PAUSE` for more.
        """
        prefix = f"{name:>{self._width}} | "
        unfinished = b""
        while True:
            chunk = await stream.read(PUMP_CHUNK)
            if not chunk:
                break
            *lines, unfinished = (unfinished + chunk).split(b"\n")
            if len(unfinished) >= PUMP_CHUNK:
                # A line longer than a chunk: print what there is rather than hold it.
                lines.append(unfinished)
                unfinished = b""
            if lines:
                self.console("\n".join(prefix + _text(line) for line in lines))
            await asyncio.sleep(PUMP_PAUSE)
        if unfinished:
            self.console(prefix + _text(unfinished))

    async def _announce_ready(self, spec: ServiceSpec, process: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout
        warned = False
        ready = False
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            while not ready and process.returncode is None:
                try:
                    response = await client.get(f"{spec.url}/readyz")
                    ready = response.status_code == 200
                except httpx.HTTPError:
                    pass
                if ready:
                    break
                if not warned and loop.time() > deadline:
                    warned = True
                    self.console(
                        f"{spec.name} is not ready after {self.ready_timeout:g} s; "
                        "still waiting (its output above says why)"
                    )
                await asyncio.sleep(0.25)
        if not ready:
            return
        again = " again" if spec.name in self._ever_ready else ""
        self.console(f"{spec.name} is up{again} at {spec.url} (pid {process.pid})")
        first_time_all = spec.name not in self._ever_ready and len(self._ever_ready) + 1 == len(
            self.specs
        )
        self._ever_ready.add(spec.name)
        if first_time_all and self.on_all_ready is not None:
            self.on_all_ready()

    # -- helpers

    def _backoff(self) -> dict[str, float]:
        return {"base": self.backoff_base, "cap": self.backoff_cap}

    def _stable(self) -> dict[str, float]:
        return {"stable_after": self.stable_after}

    def _record_pid(self, name: str, pid: int | None) -> None:
        if pid is None:
            self.pids.pop(name, None)
        else:
            self.pids[name] = pid
        self.run_dir.mkdir(parents=True, exist_ok=True)
        partial = self.pids_path.with_suffix(".json.tmp")
        partial.write_text(json.dumps(self.pids, indent=2, sort_keys=True) + "\n")
        # A reader never sees half a file.
        os.replace(partial, self.pids_path)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _install_signal_handlers(stop: asyncio.Event, force: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def _on_signal() -> None:
        # The first signal stops gracefully; a second one does not wait for anybody.
        if stop.is_set():
            force.set()
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, _on_signal)


def _remove_signal_handlers() -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signum)
