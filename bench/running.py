"""What the benchmarks run against: the platform as `nowrongdoor up` starts it, and the baselines'
bare server, each in its own processes, started and stopped the way an operator would.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import URL, make_url

STARTUP_SECONDS = 180
ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("gateway", "intake", "routing", "case_tracking", "notifications")


@dataclass(frozen=True)
class Platform:
    gateway: str
    nats_url: str
    intake: str
    routing: str
    case_tracking: str
    notifications: str
    """Services' own addresses, for their `/metrics`."""
    pid: int
    """The `nowrongdoor up` process; each service runs as a child of it."""
    data_dir: Path
    env: dict[str, str]
    log: Path

    @property
    def publishers(self) -> tuple[str, ...]:
        """The services that publish events through an outbox."""
        return (self.intake, self.routing, self.case_tracking, self.notifications)

    def create_client(self, institution: str, *scopes: str) -> tuple[str, str]:
        """An institution's API client, made with the operator's command; its id and secret."""
        command = [sys.executable, "-m", "nowrongdoor.cli", "clients", "create"]
        command += ["--kind", "institution", "--institution", institution]
        command += ["--name", f"{institution} benchmark", "--data-dir", str(self.data_dir)]
        for scope in scopes:
            command += ["--scope", scope]
        done = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=120, check=True
        )
        fields = dict(
            line.split(":", 1) for line in done.stdout.splitlines() if line.startswith("client_")
        )
        return fields["client_id"].strip(), fields["client_secret"].strip()

    def token(self, client_id: str, secret: str) -> str:
        answer = httpx.post(
            f"{self.gateway}/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=60,
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token


def started_processes(platform: Platform) -> Iterator[tuple[Path, list[str], list[str]]]:
    """Each process `nowrongdoor up` started: its `/proc` entry, its command line's arguments,
    and the fields of its `stat` after the command's name (the parent's pid first but one)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == platform.pid:
            yield entry, command, fields


def service_memory(platform: Platform) -> dict[str, int]:
    """The resident memory of each service's process, in bytes, by service name."""
    found: dict[str, int] = {}
    for entry, command, _ in started_processes(platform):
        factories = [part for part in command if ":create_app" in part]
        if not factories:
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # the process ended meanwhile
        name = factories[0].split(".", 1)[0].replace("_", "-")
        rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        found[name] = int(rss.split()[1]) * 1024
    return found


def free_port_base(count: int) -> int:
    """The first of `count` consecutive free ports."""
    for base in range(21000, 29000, 10):
        if all(_free(base + offset) for offset in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def platform(data_dir: Path, *, database_url: str | None = None) -> Iterator[Platform]:
    """`nowrongdoor up` in `data_dir` on embedded NATS and Redis, with SQLite or, given a
    PostgreSQL server URL, a database of its own per service there; rate limits off."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NWD_")}
    env |= {"NWD_ENVIRONMENT": "development", "NWD_RATE_LIMITS": "off"}
    with contextlib.ExitStack() as databases:
        if database_url:
            env |= databases.enter_context(postgres_databases(database_url))
        yield from _up(data_dir, env)


def _up(data_dir: Path, env: dict[str, str]) -> Iterator[Platform]:
    """The platform started with `env`, stopped when the generator is closed."""
    base = free_port_base(5)
    log = data_dir / "platform.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "nowrongdoor.cli", "up", "--data-dir", str(data_dir)]
    command += ["--port-base", str(base)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for(process, lambda: "No Wrong Door is up" in log.read_text(errors="replace"), log)
        table = log.read_text(errors="replace").split("No Wrong Door is up:", 1)[-1]
        yield Platform(
            gateway=_address(table, "gateway"),
            nats_url=_address(table, "NATS"),
            intake=_address(table, "intake"),
            routing=_address(table, "routing"),
            case_tracking=_address(table, "case-tracking"),
            notifications=_address(table, "notifications"),
            pid=process.pid,
            data_dir=data_dir,
            env=env,
            log=log,
        )
    finally:
        _stop(process)


@contextlib.contextmanager
def baseline_server() -> Iterator[str]:
    """The baselines' bare FastAPI server; its URL."""
    port = free_port_base(1)
    command = [sys.executable, "-m", "uvicorn", "bench.baseline_app:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    command += ["--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(process, lambda: _answers(f"{url}/ping"), None)
        yield url
    finally:
        _stop(process)


@contextlib.contextmanager
def postgres_databases(server_url: str) -> Iterator[dict[str, str]]:
    """A fresh database per service on the server, named for this run and dropped after it;
    each service's `NWD_…_DATABASE_URL`."""
    server = make_url(server_url).set(drivername="postgresql")
    run = f"nwd_bench_{int(time.time())}"
    names = {service: f"{run}_{service}" for service in SERVICES}
    _on_server(server, [f'CREATE DATABASE "{name}"' for name in names.values()])
    try:
        yield {
            f"NWD_{service.upper()}_DATABASE_URL": server.set(database=name).render_as_string(
                hide_password=False
            )
            for service, name in names.items()
        }
    finally:
        _on_server(
            server, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names.values()]
        )


def _on_server(server: URL, statements: list[str]) -> None:
    """`statements` one by one on the server, each outside a transaction, as CREATE DATABASE
    must be."""

    async def run() -> None:
        connection = await asyncpg.connect(server.render_as_string(hide_password=False))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    # The benchmark's own event loop is running; asyncpg gets one of its own, on a thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, run()).result()


def _address(table: str, label: str) -> str:
    """An address from the table `nowrongdoor up` prints once everything is up."""
    for line in table.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == label and "://" in words[1]:
            return words[1]
    raise RuntimeError(f"the platform printed no {label} address")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(
    process: subprocess.Popen[bytes], ready: Callable[[], bool], log: Path | None
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"a process of the benchmark exited while starting:\n{tail}")
        if ready():
            return
        time.sleep(0.3)
    raise RuntimeError(f"not up within {STARTUP_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
