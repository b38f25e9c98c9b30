"""Start the whole platform as separate processes, the way an operator does: `nowrongdoor up`.

NATS, Redis and PostgreSQL come from the shared fixture layer (the environment's servers,
containers, or the embedded binaries); the tests then speak only HTTP to the gateway.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from nowrongdoor.plugins import ServiceDeclaration, declared_names, discover_services
from nowrongdoor.testing.plugin import (
    create_database,
    delete_namespace_streams,
    delete_prefixed_keys,
    drop_database,
    run_isolated,
)

# Every service installed here, as its package declares it; `up` starts each one.
SERVICES = tuple(declared_names())
STARTUP_SECONDS = 90


@dataclass
class Platform:
    gateway: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]
    nats_url: str
    redis_url: str
    namespace: str
    database_urls: dict[str, str]
    env: dict[str, str]
    service_urls: dict[str, str]

    def pid_of(self, service: str) -> int:
        pids = json.loads((self.data_dir / "run" / "pids.json").read_text())
        return int(pids[service])

    def wait_for_new_pid(self, service: str, old: int, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pid = self.pid_of(service)
            except (OSError, ValueError, KeyError):
                pid = old
            if pid != old:
                return pid
            time.sleep(0.1)
        raise AssertionError(f"{service} was not restarted within {timeout} s\n{self.tail()}")

    def create_client(self, kind: str, institution: str | None, *scopes: str) -> tuple[str, str]:
        """An API client made the way an operator makes one; its id and secret."""
        command = [
            sys.executable,
            "-m",
            "nowrongdoor.cli",
            "clients",
            "create",
            "--kind",
            kind,
            "--name",
            f"{kind} {institution or ''} test client",
            "--data-dir",
            str(self.data_dir),
        ]
        if institution:
            command += ["--institution", institution]
        for scope in scopes:
            command += ["--scope", scope]
        done = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=60, check=True
        )
        fields = dict(
            line.split(":", 1) for line in done.stdout.splitlines() if line.startswith("client_")
        )
        return fields["client_id"].strip(), fields["client_secret"].strip()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _free_port_base(count: int) -> int:
    # Below the kernel's ephemeral range: an outgoing connection can take a port from that range
    # between our check and the service binding it.
    lowest_ephemeral = _ephemeral_range_start()
    for _ in range(50):
        base = random.randrange(min(20000, lowest_ephemeral - 2000), lowest_ephemeral - 10, 10)
        if all(_port_free(base + offset) for offset in range(count)):
            return base
    raise RuntimeError(f"no free range of {count} ports found")


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class ExportedSpan:
    """One span as the collector received it."""

    service: str
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: str
    attributes: dict[str, str]
    links: tuple[str, ...]
    raw: str

    @classmethod
    def of(cls, service: str, span: Any) -> ExportedSpan:
        return cls(
            service=service,
            trace_id=span.trace_id.hex(),
            span_id=span.span_id.hex(),
            parent_id=span.parent_span_id.hex(),
            name=span.name,
            kind=Span.SpanKind.Name(span.kind),
            attributes={
                a.key: str(getattr(a.value, a.value.WhichOneof("value") or "string_value"))
                for a in span.attributes
            },
            links=tuple(link.span_id.hex() for link in span.links),
            raw=str(span),
        )


class TraceCollector:
    """An OTLP/HTTP endpoint on loopback that keeps every export it receives, as raw bytes."""

    def __init__(self) -> None:
        self.exports: list[bytes] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                collector.exports.append(self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def spans(self, since: int = 0) -> list[ExportedSpan]:
        """Every span exported so far, decoded from OTLP."""
        found = []
        for export in self.exports[since:]:
            request = ExportTraceServiceRequest()
            request.ParseFromString(export)
            for resource_spans in request.resource_spans:
                service = next(
                    (
                        attribute.value.string_value
                        for attribute in resource_spans.resource.attributes
                        if attribute.key == "service.name"
                    ),
                    "",
                )
                for scope_spans in resource_spans.scope_spans:
                    found += [ExportedSpan.of(service, span) for span in scope_spans.spans]
        return found

    def services_seen(self, since: int = 0) -> set[str]:
        exports = self.exports[since:]
        return {name for name in SERVICES for export in exports if name.encode() in export}


@pytest.fixture(scope="session")
def trace_collector() -> Iterator[TraceCollector]:
    collector = TraceCollector()
    collector.thread.start()
    yield collector
    collector.server.shutdown()


@pytest.fixture(scope="session")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    redis_url: str,
    nwd_postgres_server_url: str | None,
    trace_collector: TraceCollector,
    declared_services: tuple[ServiceDeclaration, ...],
) -> Iterator[Platform]:
    with launched_platform(
        tmp_path_factory.mktemp("platform"),
        nats_url=nats_url,
        redis_url=redis_url,
        postgres_url=nwd_postgres_server_url,
        extra_env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": trace_collector.url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
        services=declared_services,
    ) as started:
        yield started


OwnPlatform = Callable[..., AbstractContextManager[Platform]]


@pytest.fixture(scope="session")
def own_platform(
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    redis_url: str,
    nwd_postgres_server_url: str | None,
    declared_services: tuple[ServiceDeclaration, ...],
) -> OwnPlatform:
    """Starts a platform of a module's own on the session's servers, configured apart:
    `with own_platform("name", extra_env={...}) as started:`, every declared service unless
    `services` says which."""

    @contextmanager
    def start(
        name: str,
        *,
        extra_env: dict[str, str],
        services: Sequence[ServiceDeclaration] | None = None,
    ) -> Iterator[Platform]:
        with launched_platform(
            tmp_path_factory.mktemp(name),
            nats_url=nats_url,
            redis_url=redis_url,
            postgres_url=nwd_postgres_server_url,
            extra_env=extra_env,
            services=declared_services if services is None else services,
        ) as started:
            yield started

    return start


@contextmanager
def launched_platform(
    data_dir: Path,
    *,
    nats_url: str | None,
    redis_url: str,
    postgres_url: str | None,
    extra_env: dict[str, str] | None = None,
    services: Sequence[ServiceDeclaration] | None = None,
) -> Iterator[Platform]:
    """`nowrongdoor up` in its own data folder; without `nats_url` it starts its own NATS."""
    services = discover_services() if services is None else services
    owning_databases = [service for service in services if service.owns_database]
    namespace = f"e{uuid.uuid4().hex[:12]}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("NWD_")} | {
        "NWD_ENVIRONMENT": "development",
        "NWD_REDIS_URL": redis_url,
        "NWD_REDIS_PREFIX": f"{namespace}:",
        "NWD_BUS_NAMESPACE": namespace,
        "NWD_RATE_LIMITS": "off",
        # A killed sender's deliveries are taken over after this, not the default two minutes.
        "NWD_NOTIFICATIONS_CLAIM_LEASE_SECONDS": "20",
    }
    if nats_url:
        env["NWD_NATS_URL"] = nats_url
    env |= extra_env or {}
    databases: list[str] = []
    if postgres_url is not None:
        from sqlalchemy.engine import make_url

        for service in owning_databases:
            name = f"nwd_e2e_{namespace}_{service.env_name.lower()}"
            run_isolated(lambda name=name: create_database(postgres_url, name))  # type: ignore[misc]
            databases.append(name)
            url = make_url(postgres_url).set(database=name)
            env[service.database_variable] = url.render_as_string(hide_password=False)
    port_base = _free_port_base(len(services))
    # `--port-base` gives each service base + its place in port order.
    [door] = [offset for offset, service in enumerate(services) if service.public]
    log = data_dir / "platform.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nowrongdoor.cli",
                "up",
                "--data-dir",
                str(data_dir / "data"),
                "--port-base",
                str(port_base),
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    platform = Platform(
        gateway=f"http://127.0.0.1:{port_base + door}",
        data_dir=data_dir / "data",
        log=log,
        process=process,
        nats_url=nats_url or "",
        redis_url=redis_url,
        namespace=namespace,
        database_urls={
            service.name: service.database_url(data_dir / "data", env)
            for service in owning_databases
        },
        env=env,
        service_urls={
            service.name: f"http://127.0.0.1:{port_base + offset}"
            for offset, service in enumerate(services)
        },
    )
    try:
        _wait_until_up(platform)
        yield platform
    finally:
        _stop(process)
        if nats_url:
            run_isolated(lambda: delete_namespace_streams(nats_url, namespace))
        delete_prefixed_keys(redis_url, f"{namespace}:")
        for name in databases:
            run_isolated(lambda name=name: drop_database(postgres_url or "", name))  # type: ignore[misc]


def _wait_until_up(platform: Platform) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if platform.process.poll() is not None:
            raise AssertionError(f"the platform exited while starting:\n{platform.tail()}")
        if "No Wrong Door is up" in platform.log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"the platform did not come up in {STARTUP_SECONDS} s:\n{platform.tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as client:
        yield client
