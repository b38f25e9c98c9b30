"""What `nowrongdoor up` runs where: each declared service's port, environment and process.

Everything here is a pure function of the declared services and the environment; nothing starts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from nowrongdoor.embedded import LOCALHOST
from nowrongdoor.plugins import ServiceDeclaration, discover_services, env_name


@dataclass(frozen=True)
class ServiceSpec:
    """A process to keep running: `uvicorn <app_factory>` on a port, with its environment.

    `withheld` names inherited variables this process must not see (other services' database URLs);
    `nice` is the CPU niceness it runs at.
    """

    name: str
    app_factory: str
    port: int
    env: Mapping[str, str] = field(default_factory=dict)
    withheld: frozenset[str] = frozenset()
    nice: int = 0

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.app_factory,
            "--factory",
            "--host",
            LOCALHOST,
            "--port",
            str(self.port),
            "--no-access-log",
        ]


def service_ports(
    environ: Mapping[str, str],
    *,
    services: Sequence[ServiceDeclaration] | None = None,
    port_base: int | None = None,
    overrides: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Port of each service: an explicit override, else NWD_<SERVICE>_PORT, else base + its place
    in port order, else its declared default."""
    declared = discover_services() if services is None else services
    ports: dict[str, int] = {}
    for offset, service in enumerate(declared):
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


def database_urls(
    environ: Mapping[str, str], services: Iterable[ServiceDeclaration]
) -> dict[str, str]:
    """NWD_<SERVICE>_DATABASE_URL of each service that owns a database and has one set."""
    urls = {}
    for service in services:
        url = environ.get(service.database_variable) if service.owns_database else None
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
    mail_catcher_url: str | None = None,
) -> dict[str, str]:
    """The NWD_* variables one service process is started with, NWD_<OTHER>_URL of every other.

    Each process is named in its traces after its service, whatever `OTEL_SERVICE_NAME` the
    shell holds: the platform on one machine is several services, not one.
    """
    env = {
        "OTEL_SERVICE_NAME": service,
        "NWD_ENVIRONMENT": environment,
        "NWD_DATA_DIR": str(data_dir),
        "NWD_NATS_URL": nats_url,
        "NWD_REDIS_URL": redis_url,
    }
    if mail_catcher_url:
        env["NWD_SMTP_URL"] = mail_catcher_url
        # The local catcher speaks no TLS: a stricter setting in the shell must not block it.
        env["NWD_NOTIFICATIONS_SMTP_REQUIRE_TLS"] = "false"
    if bus_namespace:
        env["NWD_BUS_NAMESPACE"] = bus_namespace
    if database_url:
        env[f"NWD_{env_name(service)}_DATABASE_URL"] = database_url
    for other, port in ports.items():
        if other != service:
            env[f"NWD_{env_name(other)}_URL"] = f"http://{LOCALHOST}:{port}"
    return env


def child_environ(
    base: Mapping[str, str], spec_env: Mapping[str, str], withheld: Iterable[str] | None = None
) -> dict[str, str]:
    """The inherited environment plus the service's own, less `withheld` unless the service's own.

    Without `withheld`, every declared service's database URL is kept from the child.
    """
    if withheld is None:
        withheld = (service.database_variable for service in discover_services())
    foreign = set(withheld) - spec_env.keys()
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


@dataclass(frozen=True)
class PlatformConfig:
    """What `up` runs: the services, their ports, the data folder, any servers not to embed."""

    data_dir: Path
    services: tuple[ServiceDeclaration, ...]
    ports: Mapping[str, int]
    environment: str = "development"
    nats_url: str | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    bus_namespace: str = ""
    database_urls: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str],
        *,
        data_dir: Path,
        port_base: int | None = None,
        host_port: int | None = None,
        services: Iterable[ServiceDeclaration] | None = None,
    ) -> PlatformConfig:
        """Every declared service (or those given), placed as the options and variables say."""
        declared = discover_services() if services is None else tuple(services)
        overrides = {}
        if host_port is not None:
            public = [service.name for service in declared if service.public]
            if not public:
                raise ValueError("no declared service is public, so there is no host port to set")
            overrides[public[0]] = host_port
        return cls(
            data_dir=data_dir.resolve(),
            services=declared,
            ports=service_ports(
                environ, services=declared, port_base=port_base, overrides=overrides
            ),
            environment=environ.get("NWD_ENVIRONMENT", "development"),
            nats_url=environ.get("NWD_NATS_URL") or None,
            redis_url=environ.get("NWD_REDIS_URL") or None,
            smtp_url=environ.get("NWD_SMTP_URL") or None,
            bus_namespace=environ.get("NWD_BUS_NAMESPACE", ""),
            database_urls=database_urls(environ, declared),
        )


def plan_specs(
    config: PlatformConfig, *, nats_url: str, redis_url: str, mail_catcher_url: str | None = None
) -> list[ServiceSpec]:
    """One process spec per service, each told where the servers and the other services are.

    `mail_catcher_url`: the embedded mail catcher every service sends email to; without it they
    inherit NWD_SMTP_URL, or send none."""
    withheld = frozenset(
        service.database_variable for service in config.services if service.owns_database
    )
    return [
        ServiceSpec(
            name=service.name,
            app_factory=service.app_factory,
            port=config.ports[service.name],
            env=service_environment(
                service.name,
                ports=config.ports,
                environment=config.environment,
                data_dir=config.data_dir,
                nats_url=nats_url,
                redis_url=redis_url,
                bus_namespace=config.bus_namespace,
                database_url=config.database_urls.get(service.name),
                mail_catcher_url=mail_catcher_url,
            ),
            withheld=withheld,
            nice=service.nice,
        )
        for service in config.services
    ]
