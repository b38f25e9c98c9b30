"""The process supervisor behind `nowrongdoor up`: the whole platform on one machine.

Embedded NATS and Redis start first (unless URLs point elsewhere), then every service as its own
uvicorn process. A service that dies is restarted with exponential backoff; Ctrl-C or SIGTERM stops
the services, then the embedded servers. `<data_dir>/run/pids.json` always names the live processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from nowrongdoor.embedded import (
    LOCALHOST,
    EmbeddedNats,
    EmbeddedRedis,
    EmbeddedServer,
    EmbeddedServerError,
    preferred_port,
)

# Not the standard 4222/6379, so `up` works beside a NATS or Redis the machine already runs.
EMBEDDED_NATS_PORT = 14222
EMBEDDED_NATS_MONITOR_PORT = 18222
EMBEDDED_REDIS_PORT = 16379

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0

Console = Callable[[str], None]


@dataclass(frozen=True)
class PlatformService:
    """One deployable of the platform, as `up` and `migrate` know it."""

    name: str
    package: str
    default_port: int
    owns_database: bool = True

    @property
    def module(self) -> str:
        return f"{self.package}.app"

    @property
    def env_name(self) -> str:
        return env_name(self.name)

    @property
    def migrations_package(self) -> str:
        return f"{self.package}.migrations"


PLATFORM_SERVICES: tuple[PlatformService, ...] = (
    PlatformService("gateway", "gateway", 8000),
    PlatformService("intake", "intake", 8001),
    PlatformService("routing", "routing", 8002),
    PlatformService("case-tracking", "case_tracking", 8003),
    PlatformService("notifications", "notifications", 8004),
)
SERVICES_BY_NAME = {service.name: service for service in PLATFORM_SERVICES}
DATABASE_SERVICES = tuple(service for service in PLATFORM_SERVICES if service.owns_database)


@dataclass(frozen=True)
class ServiceSpec:
    """A process to keep running: `uvicorn <module>:create_app` on a port, with its environment."""

    name: str
    module: str
    port: int
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            f"{self.module}:create_app",
            "--factory",
            "--host",
            LOCALHOST,
            "--port",
            str(self.port),
            "--no-access-log",
        ]


# -- pure parts ------------------------------------------------------------------------------


def env_name(service: str) -> str:
    """`case-tracking` → `CASE_TRACKING`, as it appears in environment variable names."""
    return service.upper().replace("-", "_")


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


def service_ports(
    environ: Mapping[str, str],
    *,
    port_base: int | None = None,
    overrides: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Port of each service: an explicit override, else NWD_<SERVICE>_PORT, else base + offset."""
    ports: dict[str, int] = {}
    for offset, service in enumerate(PLATFORM_SERVICES):
        explicit = (overrides or {}).get(service.name)
        from_env = environ.get(f"NWD_{service.env_name}_PORT")
        if explicit is not None:
            ports[service.name] = explicit
        elif from_env:
            ports[service.name] = int(from_env)
        elif port_base is not None:
            ports[service.name] = port_base + offset
        else:
            ports[service.name] = service.default_port
    if len(set(ports.values())) != len(ports):
        raise ValueError(f"two services would share a port: {ports}")
    return ports


def database_urls(environ: Mapping[str, str]) -> dict[str, str]:
    """NWD_<SERVICE>_DATABASE_URL of each service that has one set."""
    urls = {}
    for service in DATABASE_SERVICES:
        url = environ.get(f"NWD_{service.env_name}_DATABASE_URL")
        if url:
            urls[service.name] = url
    return urls


def service_environment(
    service: str,
    *,
    ports: Mapping[str, int],
    environment: str,
    data_dir: Path,
    nats_url: str,
    redis_url: str,
    bus_namespace: str = "",
    database_url: str | None = None,
) -> dict[str, str]:
    """The NWD_* variables one service process is started with."""
    env = {
        "NWD_ENVIRONMENT": environment,
        "NWD_DATA_DIR": str(data_dir),
        "NWD_NATS_URL": nats_url,
        "NWD_REDIS_URL": redis_url,
    }
    if bus_namespace:
        env["NWD_BUS_NAMESPACE"] = bus_namespace
    if database_url:
        env[f"NWD_{env_name(service)}_DATABASE_URL"] = database_url
    if service == "gateway":
        for other in PLATFORM_SERVICES:
            if other.name != "gateway":
                env[f"NWD_GATEWAY_{other.env_name}_URL"] = f"http://{LOCALHOST}:{ports[other.name]}"
    return env


def child_environ(base: Mapping[str, str], spec_env: Mapping[str, str]) -> dict[str, str]:
    """The inherited environment plus the service's own; other services' database URLs left out."""
    foreign = {
        f"NWD_{service.env_name}_DATABASE_URL" for service in DATABASE_SERVICES
    } - spec_env.keys()
    env = {key: value for key, value in base.items() if key not in foreign}
    env.update(spec_env)
    # Lines reach the console as they are written, not when a buffer fills.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def redact_url(url: str) -> str:
    """The URL with any password replaced, fit for a console or a log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@", 1)[-1] if "@" in url else url


# -- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformConfig:
    """What `up` runs: ports, data folder, and any external servers to use instead of embedded."""

    data_dir: Path
    ports: Mapping[str, int]
    environment: str = "development"
    nats_url: str | None = None
    redis_url: str | None = None
    bus_namespace: str = ""
    database_urls: Mapping[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = tuple(service.name for service in PLATFORM_SERVICES)

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str],
        *,
        data_dir: Path,
        port_base: int | None = None,
        gateway_port: int | None = None,
    ) -> PlatformConfig:
        overrides = {"gateway": gateway_port} if gateway_port is not None else {}
        return cls(
            data_dir=data_dir.resolve(),
            ports=service_ports(environ, port_base=port_base, overrides=overrides),
            environment=environ.get("NWD_ENVIRONMENT", "development"),
            nats_url=environ.get("NWD_NATS_URL") or None,
            redis_url=environ.get("NWD_REDIS_URL") or None,
            bus_namespace=environ.get("NWD_BUS_NAMESPACE", ""),
            database_urls=database_urls(environ),
        )


@dataclass
class Platform:
    """A planned platform: the servers to embed, the URLs every service is given, the specs."""

    config: PlatformConfig
    nats: EmbeddedNats | None
    redis: EmbeddedRedis | None
    specs: list[ServiceSpec]

    @property
    def nats_url(self) -> str:
        return self.nats.url if self.nats else str(self.config.nats_url)

    @property
    def redis_url(self) -> str:
        return self.redis.url if self.redis else str(self.config.redis_url)

    @property
    def embedded(self) -> list[EmbeddedServer]:
        return [server for server in (self.nats, self.redis) if server is not None]

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
    nats_url = nats.url if nats else str(config.nats_url)
    redis_url = redis.url if redis else str(config.redis_url)
    specs = [
        ServiceSpec(
            name=name,
            module=SERVICES_BY_NAME[name].module,
            port=config.ports[name],
            env=service_environment(
                name,
                ports=config.ports,
                environment=config.environment,
                data_dir=data_dir,
                nats_url=nats_url,
                redis_url=redis_url,
                bus_namespace=config.bus_namespace,
                database_url=config.database_urls.get(name),
            ),
        )
        for name in config.services
    ]
    return Platform(config=config, nats=nats, redis=redis, specs=specs)


# -- the supervisor --------------------------------------------------------------------------


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
                env=child_environ(self.environ, spec.env),
                # Its own session: Ctrl-C reaches only us, and we stop the services in order.
                start_new_session=True,
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
        prefix = f"{name:>{self._width}} | "
        while True:
            try:
                line = await stream.readline()
            except ValueError:
                # A line longer than the buffer: print what there is rather than fail.
                line = await stream.read(1 << 16)
            if not line:
                return
            self.console(prefix + line.decode(errors="replace").rstrip("\r\n"))

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
