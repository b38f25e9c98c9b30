from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from nowrongdoor.embedded import EmbeddedNats, EmbeddedRedis, free_port
from nowrongdoor.planning import (
    PlatformConfig,
    ServiceSpec,
    child_environ,
    redact_url,
    service_environment,
    service_ports,
)
from nowrongdoor.plugins import BACKLOG_NICE, ServiceDeclaration
from nowrongdoor.supervisor import (
    EMBEDDED_NATS_PORT,
    EMBEDDED_REDIS_PORT,
    Platform,
    Supervisor,
    failures_after_exit,
    plan_platform,
    restart_delay,
)

HERE = Path(__file__).parent
T = TypeVar("T")
Services = tuple[ServiceDeclaration, ...]


# -- backoff ---------------------------------------------------------------------------------


def test_restart_delays_double_from_one_second_up_to_thirty() -> None:
    assert [restart_delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_restart_delay_survives_a_very_long_run_of_failures() -> None:
    assert restart_delay(10_000) == 30


def test_failures_accumulate_while_the_service_keeps_dying_quickly() -> None:
    failures = 0
    delays = []
    for uptime in (0.5, 3.0, 10.0, 59.9):
        failures = failures_after_exit(failures, uptime)
        delays.append(restart_delay(failures))
    assert delays == [1, 2, 4, 8]


def test_a_service_that_stayed_up_a_minute_starts_again_at_one_second() -> None:
    failures = failures_after_exit(5, 60.0)
    assert restart_delay(failures) == 1


# -- ports and environment -------------------------------------------------------------------


def test_default_ports(five_services: Services) -> None:
    assert service_ports({}, services=five_services) == {
        "gateway": 8000,
        "intake": 8001,
        "routing": 8002,
        "case-tracking": 8003,
        "notifications": 8004,
    }


def test_port_base_moves_every_service_and_explicit_choices_win(five_services: Services) -> None:
    ports = service_ports(
        {"NWD_ROUTING_PORT": "9100"},
        services=five_services,
        port_base=18000,
        overrides={"gateway": 9000},
    )
    assert ports == {
        "gateway": 9000,
        "intake": 18001,
        "routing": 9100,
        "case-tracking": 18003,
        "notifications": 18004,
    }


def test_two_services_on_one_port_is_refused(five_services: Services) -> None:
    with pytest.raises(ValueError, match="share a port"):
        service_ports({"NWD_INTAKE_PORT": "8000"}, services=five_services)


def test_the_host_port_moves_the_public_service(five_services: Services) -> None:
    config = PlatformConfig.from_environ(
        {}, data_dir=Path("/data"), host_port=9000, services=five_services
    )
    assert config.ports["gateway"] == 9000
    assert config.ports["intake"] == 8001


def test_the_backlog_s_services_run_nicer_than_the_doors(
    tmp_path: Path, five_services: Services
) -> None:
    config = PlatformConfig.from_environ({}, data_dir=tmp_path, services=five_services)
    niceness = {spec.name: spec.nice for spec in plan_platform(config).specs}
    assert niceness == {
        "gateway": 0,
        "intake": 0,
        "routing": BACKLOG_NICE,
        "case-tracking": BACKLOG_NICE,
        "notifications": BACKLOG_NICE,
    }


def test_without_a_public_service_there_is_no_host_port() -> None:
    internal = ServiceDeclaration("ledger", "ledger.app:create_app", "ledger.settings:S", 9100, "m")
    with pytest.raises(ValueError, match="no declared service is public"):
        PlatformConfig.from_environ({}, data_dir=Path("/data"), host_port=9000, services=[internal])


def test_every_service_is_told_where_every_other_one_listens(five_services: Services) -> None:
    ports = service_ports({}, services=five_services, port_base=18000)
    env = service_environment(
        "gateway",
        ports=ports,
        environment="development",
        data_dir=Path("/data"),
        nats_url="nats://127.0.0.1:14222",
        redis_url="redis://127.0.0.1:16379/0",
    )
    assert env == {
        "OTEL_SERVICE_NAME": "gateway",
        "NWD_ENVIRONMENT": "development",
        "NWD_DATA_DIR": "/data",
        "NWD_NATS_URL": "nats://127.0.0.1:14222",
        "NWD_REDIS_URL": "redis://127.0.0.1:16379/0",
        "NWD_INTAKE_URL": "http://127.0.0.1:18001",
        "NWD_ROUTING_URL": "http://127.0.0.1:18002",
        "NWD_CASE_TRACKING_URL": "http://127.0.0.1:18003",
        "NWD_NOTIFICATIONS_URL": "http://127.0.0.1:18004",
    }
    intake = service_environment(
        "intake",
        ports=ports,
        environment="development",
        data_dir=Path("/data"),
        nats_url="nats://127.0.0.1:14222",
        redis_url="redis://127.0.0.1:16379/0",
    )
    assert intake["NWD_GATEWAY_URL"] == "http://127.0.0.1:18000"
    assert intake["NWD_CASE_TRACKING_URL"] == "http://127.0.0.1:18003"
    assert "NWD_INTAKE_URL" not in intake


def test_the_gateway_reads_the_urls_up_gives_it_and_those_compose_gives_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_class = pytest.importorskip("gateway.settings").GatewaySettings
    monkeypatch.setenv("NWD_CASE_TRACKING_URL", "http://127.0.0.1:18003")
    monkeypatch.setenv("NWD_GATEWAY_ROUTING_URL", "http://routing:8000")
    settings = settings_class()
    assert settings.case_tracking_url == "http://127.0.0.1:18003"
    assert settings.routing_url == "http://routing:8000"


def test_a_service_gets_its_database_url_and_the_namespace_when_given(
    five_services: Services,
) -> None:
    env = service_environment(
        "case-tracking",
        ports=service_ports({}, services=five_services),
        environment="test",
        data_dir=Path("/data"),
        nats_url="nats://n:4222",
        redis_url="redis://r:6379/0",
        bus_namespace="demo",
        database_url="postgresql://postgres@db/cases",
    )
    assert env["NWD_CASE_TRACKING_DATABASE_URL"] == "postgresql://postgres@db/cases"
    assert env["NWD_BUS_NAMESPACE"] == "demo"
    assert not any(key.endswith("_DATABASE_URL") and "CASE_TRACKING" not in key for key in env)


def test_no_namespace_variable_when_none_is_set(five_services: Services) -> None:
    env = service_environment(
        "intake",
        ports=service_ports({}, services=five_services),
        environment="development",
        data_dir=Path("/data"),
        nats_url="nats://n:4222",
        redis_url="redis://r:6379/0",
    )
    assert "NWD_BUS_NAMESPACE" not in env
    assert "NWD_INTAKE_DATABASE_URL" not in env


def test_a_child_does_not_inherit_other_services_database_urls() -> None:
    inherited = {
        "PATH": "/bin",
        "NWD_INTAKE_DATABASE_URL": "postgresql://intake",
        "NWD_ROUTING_DATABASE_URL": "postgresql://routing",
    }
    env = child_environ(
        inherited,
        {"NWD_ROUTING_DATABASE_URL": "postgresql://routing"},
        withheld={"NWD_INTAKE_DATABASE_URL", "NWD_ROUTING_DATABASE_URL"},
    )
    assert env["PATH"] == "/bin"
    assert env["NWD_ROUTING_DATABASE_URL"] == "postgresql://routing"
    assert "NWD_INTAKE_DATABASE_URL" not in env
    assert env["PYTHONUNBUFFERED"] == "1"


def test_embedded_servers_only_where_no_url_is_given_and_never_on_standard_ports(
    tmp_path: Path, five_services: Services
) -> None:
    environ = {
        "NWD_NATS_URL": "nats://nats.internal:4222",
        "NWD_INTAKE_DATABASE_URL": "postgresql://postgres@db/intake",
    }
    config = PlatformConfig.from_environ(environ, data_dir=tmp_path, services=five_services)
    platform = plan_platform(config)
    assert platform.nats is None
    assert platform.redis is not None
    assert platform.redis.port not in (6379, 4222)
    assert EMBEDDED_NATS_PORT != 4222
    assert EMBEDDED_REDIS_PORT != 6379
    by_name = {spec.name: spec for spec in platform.specs}
    assert by_name["routing"].env["NWD_NATS_URL"] == "nats://nats.internal:4222"
    assert by_name["routing"].env["NWD_REDIS_URL"] == platform.redis.url
    assert by_name["intake"].env["NWD_INTAKE_DATABASE_URL"] == "postgresql://postgres@db/intake"
    assert "NWD_INTAKE_DATABASE_URL" in by_name["routing"].withheld
    assert by_name["case-tracking"].app_factory == "case_tracking.app:create_app"
    assert by_name["gateway"].command() == [
        sys.executable,
        "-m",
        "uvicorn",
        "gateway.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--no-access-log",
    ]


def test_passwords_never_reach_the_console() -> None:
    assert "s3cret" not in redact_url("postgresql://app:s3cret@db:5432/intake")
    assert "s3cret" not in redact_url("redis://:s3cret@cache:6379/0")


# -- a real supervisor -----------------------------------------------------------------------


async def eventually(probe: Callable[[], Awaitable[T | None]], within: float = 30.0) -> T:
    """Poll until the probe returns something, or fail once `within` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"not true within {within} s")
        await asyncio.sleep(0.05)


def fake_spec(tmp_path: Path, **env: str) -> ServiceSpec:
    return ServiceSpec(
        name="fake",
        app_factory="nwd_fake_service:create_app",
        port=free_port(),
        env={"PYTHONPATH": str(HERE), "NWD_ENVIRONMENT": "test", **env},
    )


def read_pids(run_dir: Path) -> dict[str, int]:
    try:
        pids: dict[str, int] = json.loads((run_dir / "pids.json").read_text())
    except FileNotFoundError:
        return {}
    return pids


def process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # An orphan nobody has reaped yet is a zombie: gone, though its pid still answers.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" in status.read_text()


def wait_for_text(path: Path, text: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while text not in path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear within {within} s:\n{path.read_text()}")
        time.sleep(0.05)


def line_by_line(lines: list[str]) -> Callable[[str], None]:
    """A console keeping each line it is given: the supervisor writes several at once."""
    return lambda text: lines.extend(text.split("\n"))


async def test_a_service_that_dies_is_restarted_with_backoff(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path, NWD_FAKE_DIE_ONCE=str(tmp_path / "died-once"))
    run_dir = tmp_path / "run"
    lines: list[str] = []
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    supervisor = Supervisor(
        [spec], run_dir=run_dir, console=line_by_line(lines), on_all_ready=all_ready.set
    )
    running = asyncio.create_task(supervisor.run(stop))
    try:
        await asyncio.wait_for(all_ready.wait(), timeout=60)
        assert "fake exited with code 3; restarting in 1 s" in lines
        assert "fake | fake service dies on its first start" in lines
        assert "fake | fake service starting in test" in lines

        first_pid = read_pids(run_dir)["fake"]
        os.kill(first_pid, signal.SIGKILL)

        async def restarted() -> int | None:
            pid = read_pids(run_dir).get("fake")
            return pid if pid not in (None, first_pid) else None

        second_pid = await eventually(restarted)
        assert f"fake exited with code {-signal.SIGKILL}; restarting in 2 s" in lines

        async def ready_again() -> bool:
            return f"fake is up again at {spec.url} (pid {second_pid})" in lines

        await eventually(ready_again)
        async with httpx.AsyncClient(trust_env=False) as client:
            assert (await client.get(f"{spec.url}/readyz")).status_code == 200
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    assert process_is_gone(second_pid)
    assert not (run_dir / "pids.json").exists()


async def test_a_chatty_service_s_lines_reach_the_console_whole_in_order_and_gathered(
    tmp_path: Path,
) -> None:
    spec = fake_spec(tmp_path, NWD_FAKE_CHATTER="2000")
    written: list[str] = []
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    supervisor = Supervisor(
        [spec], run_dir=tmp_path / "run", console=written.append, on_all_ready=all_ready.set
    )
    running = asyncio.create_task(supervisor.run(stop))
    try:
        await asyncio.wait_for(all_ready.wait(), timeout=60)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)

    lines = "\n".join(written).split("\n")
    chatter = [line for line in lines if "chatter" in line]
    assert chatter == [f"fake | chatter {number}" for number in range(2000)]
    # Lines written one by one went out many at a time.
    assert len(written) < 1000


async def test_a_service_runs_in_its_own_process_group_within_the_supervisor_s_session(
    tmp_path: Path,
) -> None:
    # Its own group keeps a terminal's Ctrl-C from reaching it before the supervisor stops it;
    # the shared session keeps the scheduler weighing the platform's threads one by one, not
    # each service as a whole (Linux gives each session an equal share under autogroup).
    spec = fake_spec(tmp_path)
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    supervisor = Supervisor(
        [spec], run_dir=tmp_path / "run", console=lambda _text: None, on_all_ready=all_ready.set
    )
    running = asyncio.create_task(supervisor.run(stop))
    try:
        await asyncio.wait_for(all_ready.wait(), timeout=60)
        pid = read_pids(tmp_path / "run")["fake"]
        assert os.getpgid(pid) == pid != os.getpgid(0)
        assert os.getsid(pid) == os.getsid(0)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)


async def test_a_service_runs_at_the_niceness_its_spec_asks_and_others_at_the_supervisor_s(
    tmp_path: Path,
) -> None:
    # The backlog's services yield the CPU to the doors; a door runs as the supervisor does.
    backlog = dataclasses.replace(fake_spec(tmp_path), name="backlog", nice=7)
    door = fake_spec(tmp_path)
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    supervisor = Supervisor(
        [backlog, door],
        run_dir=tmp_path / "run",
        console=lambda _text: None,
        on_all_ready=all_ready.set,
    )
    running = asyncio.create_task(supervisor.run(stop))
    try:
        await asyncio.wait_for(all_ready.wait(), timeout=60)
        pids = read_pids(tmp_path / "run")
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, pids["backlog"]) == min(ours + 7, 19)
        assert os.getpriority(os.PRIO_PROCESS, pids["fake"]) == ours
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)


async def test_a_service_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path, NWD_FAKE_HANG_ON_STOP="1")
    lines: list[str] = []
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    supervisor = Supervisor(
        [spec],
        run_dir=tmp_path / "run",
        console=lines.append,
        on_all_ready=all_ready.set,
        stop_timeout=0.5,
    )
    running = asyncio.create_task(supervisor.run(stop))
    await asyncio.wait_for(all_ready.wait(), timeout=60)
    pid = read_pids(tmp_path / "run")["fake"]
    stop.set()
    await asyncio.wait_for(running, timeout=30)
    assert "fake did not stop within 0.5 s; killing it" in lines
    assert process_is_gone(pid)


async def test_embedded_servers_start_first_and_stop_last(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    config = PlatformConfig.from_environ({}, data_dir=tmp_path, services=())
    nats = EmbeddedNats(tmp_path / "nats")
    redis = EmbeddedRedis(tmp_path / "redis")
    platform = Platform(config=config, nats=nats, redis=redis, specs=[spec])
    lines: list[str] = []
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    running = asyncio.create_task(
        platform.run(stop, console=lines.append, on_all_ready=all_ready.set)
    )
    await asyncio.wait_for(all_ready.wait(), timeout=60)
    pids = read_pids(platform.run_dir)
    assert set(pids) == {"fake", "nats", "redis"}
    assert pids["nats"] == nats.pid
    stop.set()
    await asyncio.wait_for(running, timeout=30)
    ups = [line for line in lines if " is up " in line]
    assert [line.split()[0] for line in ups] == ["nats", "redis", "fake"]
    stopped = [line for line in lines if line.endswith(" stopped")]
    assert stopped == ["redis stopped", "nats stopped"]
    assert all(process_is_gone(pid) for pid in pids.values())


async def test_an_embedded_server_that_dies_is_restarted_with_its_data(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis")
    lines: list[str] = []
    stop = asyncio.Event()
    supervisor = Supervisor([], run_dir=tmp_path / "run", embedded=[redis], console=lines.append)
    running = asyncio.create_task(supervisor.run(stop))
    try:

        async def started() -> int | None:
            return read_pids(tmp_path / "run").get("redis")

        first_pid = await eventually(started)
        os.kill(first_pid, signal.SIGKILL)

        async def restarted() -> int | None:
            pid = read_pids(tmp_path / "run").get("redis")
            return pid if pid not in (None, first_pid) and redis.running else None

        await eventually(restarted)
        assert f"redis exited with code {-signal.SIGKILL}; restarting in 1 s" in lines
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)


def test_sigterm_stops_the_supervisor_and_its_children(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    script = textwrap.dedent(
        f"""
        import asyncio
        from pathlib import Path
        from nowrongdoor.supervisor import ServiceSpec, Supervisor

        spec = ServiceSpec(name="fake", app_factory="nwd_fake_service:create_app",
                           port={spec.port}, env={dict(spec.env)!r})
        asyncio.run(Supervisor([spec], run_dir=Path({str(tmp_path / "run")!r})).run())
        """
    )
    output = tmp_path / "output.txt"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", script], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_for_text(output, "fake is up at")
        child = read_pids(tmp_path / "run")["fake"]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert output.read_text().rstrip().endswith("stopped")
    assert process_is_gone(child)
