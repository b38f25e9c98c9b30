"""How deployables declare themselves to this package: entry points, read, checked and sorted.

A service names itself in its own `pyproject.toml`, as pytest plugins do:

    [project.entry-points."nowrongdoor.services"]
    billing = "billing.app:SERVICE"            # a ServiceDeclaration

    [project.entry-points."nowrongdoor.commands"]
    invoices = "billing.cli:invoices_app"      # a typer.Typer, becomes `nowrongdoor invoices`

`nowrongdoor up`, `nowrongdoor migrate`, `nowrongdoor keys rotate` and the test plugin know no
service but these.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings

from nowrongdoor.rotation import KeyRotation

SERVICES_GROUP = "nowrongdoor.services"
COMMANDS_GROUP = "nowrongdoor.commands"

MAX_NICE = 19
BACKLOG_NICE = 10
"""The niceness of a service that mostly works through the event backlog (routing, case tracking,
notifications). When the machine is full, the doors (the gateway, intake) then take the CPU
first: a burst of complaints is accepted at the rate the receipt hash allows, and the backlog
waits a little and is taken in larger batches, each far cheaper per event than one at a time.
When the doors are idle the niceness changes nothing. docs/performance.md gives the figures."""

_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*"
_OBJECT = re.compile(rf"{_DOTTED}:{_DOTTED}")


class PluginError(RuntimeError):
    """A declared service or command cannot be loaded, or clashes with another."""


def env_name(service: str) -> str:
    """`case-tracking` → `CASE_TRACKING`, as it appears in environment variable names."""
    return service.upper().replace("-", "_")


@dataclass(frozen=True)
class ServiceDeclaration:
    """One deployable as `up`, `migrate` and the tests know it; dotted paths, imported on demand.

    `public` marks the door the outside world uses: `--host-port` moves it and the URL table lists
    it first, with its API docs. `notes` are extra (label, text) rows for that table.
    `key_rotation` names a `nowrongdoor.rotation.KeyRotation` for a service that seals data, which
    `nowrongdoor keys rotate` runs. `nice` is the CPU niceness `up` starts the service at (0 to
    19); `BACKLOG_NICE` is for a service that mostly works through the event backlog.
    """

    name: str
    app_factory: str
    settings_class: str
    default_port: int
    migrations_package: str | None = None
    owns_database: bool = True
    public: bool = False
    notes: tuple[tuple[str, str], ...] = ()
    key_rotation: str | None = None
    nice: int = 0

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"service name {self.name!r} is not lower-case words joined by '-'")
        for label, path in (
            ("app_factory", self.app_factory),
            ("settings_class", self.settings_class),
        ):
            if not _OBJECT.fullmatch(path):
                raise ValueError(f"{self.name}: {label} {path!r} is not 'package.module:name'")
        if self.key_rotation is not None and not _OBJECT.fullmatch(self.key_rotation):
            raise ValueError(
                f"{self.name}: key_rotation {self.key_rotation!r} is not 'package.module:name'"
            )
        if not 0 < self.default_port < 65536:
            raise ValueError(f"{self.name}: default port {self.default_port} is not a TCP port")
        if not 0 <= self.nice <= MAX_NICE:
            raise ValueError(f"{self.name}: nice {self.nice} is not between 0 and {MAX_NICE}")
        if self.owns_database and not self.migrations_package:
            raise ValueError(f"{self.name}: a service that owns a database needs migrations")

    @property
    def env_name(self) -> str:
        return env_name(self.name)

    @property
    def database_variable(self) -> str:
        """The variable that points this service at its database, e.g. NWD_INTAKE_DATABASE_URL."""
        return f"NWD_{self.env_name}_DATABASE_URL"

    def load_settings_class(self) -> type[BaseSettings]:
        found = _load_object(self.settings_class)
        if not (isinstance(found, type) and issubclass(found, BaseSettings)):
            raise PluginError(f"{self.name}: {self.settings_class} is not a settings class")
        return found

    def load_key_rotation(self) -> KeyRotation | None:
        """The service's key rotation, imported now; None for a service that seals nothing."""
        if self.key_rotation is None:
            return None
        try:
            found = _load_object(self.key_rotation)
        except (ImportError, AttributeError) as error:
            raise PluginError(
                f"{self.name}: key rotation {self.key_rotation} does not load: "
                f"{type(error).__name__}: {error}"
            ) from error
        if not callable(found):
            raise PluginError(f"{self.name}: {self.key_rotation} is not callable")
        rotation: KeyRotation = found
        return rotation

    def sqlite_name(self) -> str:
        """The SQLite file name, without `.db`, that the service's settings open by default."""
        from nowrongdoor.settings import DatabaseSettings

        settings = self.load_settings_class()
        if issubclass(settings, DatabaseSettings) and settings is not DatabaseSettings:
            return settings.service_name
        return self.name

    def database_url(self, data_dir: Path, environ: Mapping[str, str]) -> str:
        """Its database variable, else the SQLite file the service itself would open."""
        url = environ.get(self.database_variable)
        if url:
            return url
        return f"sqlite+aiosqlite:///{(data_dir / f'{self.sqlite_name()}.db').resolve()}"


def declared_names(group: str = SERVICES_GROUP) -> list[str]:
    """Names declared in `group`, without importing anything; sorted."""
    return sorted({entry.name for entry in entry_points(group=group)})


def discover_services(
    names: Iterable[str] | None = None, *, entries: Iterable[EntryPoint] | None = None
) -> tuple[ServiceDeclaration, ...]:
    """Every declared service (or only those `names`), sorted by default port.

    Raises PluginError naming the distribution when a declaration does not load, is not a
    ServiceDeclaration, or claims a name or a default port another one claims too.
    """
    found = list(entry_points(group=SERVICES_GROUP) if entries is None else entries)
    _refuse_duplicate_names(found)
    declared = {entry.name for entry in found}
    wanted = declared if names is None else set(names)
    unknown = sorted(wanted - declared)
    if unknown:
        raise PluginError(
            f"no service declares {', '.join(unknown)}; declared: {', '.join(sorted(declared))}"
        )
    services = [_load_declaration(entry) for entry in found if entry.name in wanted]
    _refuse_shared_ports(services)
    public = [service.name for service in services if service.public]
    if len(public) > 1:
        raise PluginError(f"only one service can be the public door: {' and '.join(public)}")
    return tuple(sorted(services, key=lambda service: service.default_port))


def database_services() -> tuple[ServiceDeclaration, ...]:
    """The declared services that own a database, in port order."""
    return tuple(service for service in discover_services() if service.owns_database)


def command_entry_points() -> list[EntryPoint]:
    """The declared sub-commands, sorted by name; loading them and any clash is the caller's."""
    return sorted(entry_points(group=COMMANDS_GROUP), key=lambda entry: entry.name)


def _refuse_duplicate_names(found: list[EntryPoint]) -> None:
    owners: dict[str, list[str]] = {}
    for entry in found:
        owners.setdefault(entry.name, []).append(origin(entry))
    clashes = [f"{name} by {' and '.join(by)}" for name, by in owners.items() if len(by) > 1]
    if clashes:
        raise PluginError(f"one name declared twice: {'; '.join(clashes)}")


def _refuse_shared_ports(services: list[ServiceDeclaration]) -> None:
    owners: dict[int, list[str]] = {}
    for service in services:
        owners.setdefault(service.default_port, []).append(service.name)
    clashes = [f"{port} by {' and '.join(by)}" for port, by in owners.items() if len(by) > 1]
    if clashes:
        raise PluginError(f"one default port claimed twice: {'; '.join(clashes)}")


def _load_declaration(entry: EntryPoint) -> ServiceDeclaration:
    try:
        declared = entry.load()
    except Exception as error:
        raise PluginError(
            f"service {entry.name} ({origin(entry)}) does not load from {entry.value}: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not isinstance(declared, ServiceDeclaration):
        raise PluginError(
            f"service {entry.name} ({origin(entry)}): {entry.value} is a "
            f"{type(declared).__name__}, not a ServiceDeclaration"
        )
    if declared.name != entry.name:
        raise PluginError(
            f"service {entry.name} ({origin(entry)}): {entry.value} declares {declared.name!r}"
        )
    return declared


def origin(entry: EntryPoint) -> str:
    """The distribution that declared `entry`, for messages."""
    return entry.dist.name if entry.dist is not None else entry.value


def _load_object(path: str) -> Any:
    module, _, attribute = path.partition(":")
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found
