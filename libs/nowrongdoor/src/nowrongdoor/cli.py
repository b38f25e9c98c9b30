"""The `nowrongdoor` command: run the platform, migrate its databases, export the event contracts.

Service packages are imported inside the commands that need them, so `schemas` works in a tree
where no service is installed.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib
import importlib.util
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from nowrongdoor.embedded import EmbeddedServerError, port_is_free
from nowrongdoor.supervisor import (
    DATABASE_SERVICES,
    Platform,
    PlatformConfig,
    PlatformService,
    plan_platform,
    redact_url,
)

app = typer.Typer(
    name="nowrongdoor",
    help="No Wrong Door: one door for every complaint.",
    no_args_is_help=True,
    add_completion=False,
)
schemas_app = typer.Typer(help="The event contracts as JSON Schema and AsyncAPI files.")
app.add_typer(schemas_app, name="schemas")
deadletters_app = typer.Typer(help="Events consumers gave up on: list them, send them back.")
app.add_typer(deadletters_app, name="deadletters")
if importlib.util.find_spec("gateway"):  # gateway.cli defers its own heavy imports to each command
    app.add_typer(importlib.import_module("gateway.cli").app, name="clients")
if importlib.util.find_spec("intake"):  # intake.cli defers its own heavy imports to each command
    app.add_typer(importlib.import_module("intake.cli").keys_app, name="keys")
    app.add_typer(importlib.import_module("intake.cli").retention_app, name="retention")

DEFAULT_DATA_DIR = Path(".nowrongdoor")
ASYNCAPI_FILE = "asyncapi.json"


def _default_schemas_dir() -> Path:
    # In a checkout the package sits in libs/nowrongdoor/src/nowrongdoor; beside src/ is schemas/.
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / "pyproject.toml").is_file():
        return package_root / "schemas"
    return Path("libs/nowrongdoor/schemas")


# -- up --------------------------------------------------------------------------------------


@app.command()
def up(
    data_dir: Annotated[
        Path,
        typer.Option(envvar="NWD_DATA_DIR", help="Where databases, streams and logs are kept."),
    ] = DEFAULT_DATA_DIR,
    host_port: Annotated[
        int | None,
        typer.Option(help="Port of the gateway, the public door. [default: 8000]"),
    ] = None,
    port_base: Annotated[
        int | None,
        typer.Option(
            envvar="NWD_PORT_BASE",
            help="Gateway on this port and the internal services on the next four.",
        ),
    ] = None,
) -> None:
    """Run the whole platform on this machine until Ctrl-C."""
    try:
        config = PlatformConfig.from_environ(
            os.environ, data_dir=data_dir, port_base=port_base, gateway_port=host_port
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    busy = [f"{name} port {port}" for name, port in config.ports.items() if not port_is_free(port)]
    if busy:
        # Fail now: a service that cannot bind would only be restarted again and again.
        typer.echo(
            f"already in use: {', '.join(busy)}; choose others with --host-port or --port-base",
            err=True,
        )
        raise typer.Exit(1)
    platform = plan_platform(config)
    typer.echo(f"starting No Wrong Door in {config.data_dir}")
    try:
        asyncio.run(platform.run(on_all_ready=lambda: typer.echo(url_table(platform))))
    except EmbeddedServerError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        # Where signal handlers cannot be installed, Ctrl-C arrives as an exception instead.
        raise typer.Exit(130) from None


def url_table(platform: Platform) -> str:
    """What is running where, printed once every service is up."""
    ports = platform.config.ports
    rows: list[tuple[str, str]] = []
    if "gateway" in ports:
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        rows += [("gateway", gateway), ("API docs", f"{gateway}/docs")]
    rows += [
        (spec.name, f"{spec.url}  (internal, docs at /docs)")
        for spec in platform.specs
        if spec.name != "gateway"
    ]
    nats_origin = "embedded" if platform.nats else "from NWD_NATS_URL"
    redis_origin = "embedded" if platform.redis else "from NWD_REDIS_URL"
    rows.append(("NATS", f"{redact_url(platform.nats_url)}  ({nats_origin})"))
    if platform.nats is not None and platform.nats.monitor_url:
        rows.append(("NATS monitor", platform.nats.monitor_url))
    rows.append(("Redis", f"{redact_url(platform.redis_url)}  ({redis_origin})"))
    rows.append(("data folder", str(platform.config.data_dir)))
    rows.append(("seed directory", "loaded by routing on start"))
    width = max(len(label) for label, _ in rows)
    lines = ["", "No Wrong Door is up:"]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    lines += ["  Ctrl-C stops everything.", ""]
    return "\n".join(lines)


# -- migrate ---------------------------------------------------------------------------------


@app.command()
def migrate(
    services: Annotated[
        list[str] | None,
        typer.Argument(
            help="Services to migrate: gateway, intake, routing, case-tracking, notifications. "
            "[default: all]",
            show_default=False,
        ),
    ] = None,
    data_dir: Annotated[
        Path,
        typer.Option(envvar="NWD_DATA_DIR", help="Where the SQLite databases are kept."),
    ] = DEFAULT_DATA_DIR,
) -> None:
    """Bring each service's database to the latest migration."""
    targets = _database_services(services or [])
    failed = False
    for service in targets:
        url = database_url_for(service, data_dir, os.environ)
        typer.echo(f"{service.name}: migrating {redact_url(url)}")
        try:
            asyncio.run(_upgrade(url, service.migrations_package))
        except ModuleNotFoundError as error:
            failed = True
            typer.echo(
                f"{service.name}: cannot import {error.name}; is the service installed?", err=True
            )
            continue
        except Exception as error:
            failed = True
            typer.echo(
                f"{service.name}: migration failed: {type(error).__name__}: {error}", err=True
            )
            continue
        typer.echo(f"{service.name}: up to date")
    if failed:
        raise typer.Exit(1)


def _database_services(names: list[str]) -> list[PlatformService]:
    if not names:
        return list(DATABASE_SERVICES)
    known = {service.name: service for service in DATABASE_SERVICES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown service {', '.join(unknown)}; choose from {', '.join(known)}",
            param_hint="SERVICES",
        )
    return [known[name] for name in names]


def database_url_for(service: PlatformService, data_dir: Path, environ: Mapping[str, str]) -> str:
    """NWD_<SERVICE>_DATABASE_URL, else the SQLite file the service itself would open."""
    url = environ.get(f"NWD_{service.env_name}_DATABASE_URL")
    if url:
        return url
    file_name = _sqlite_name(service)
    return f"sqlite+aiosqlite:///{(data_dir / f'{file_name}.db').resolve()}"


def _sqlite_name(service: PlatformService) -> str:
    # The service's settings class names its SQLite file; follow it so both open the same one.
    from nowrongdoor.settings import DatabaseSettings

    try:
        module = importlib.import_module(f"{service.package}.settings")
    except ImportError:
        return service.name
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, DatabaseSettings)
            and value is not DatabaseSettings
            and value.__module__ == module.__name__
        ):
            return value.service_name
    return service.name


async def _upgrade(url: str, migrations_package: str) -> None:
    from nowrongdoor import db, migrations

    # Import first, so a missing service reads as such and not as an Alembic error.
    importlib.import_module(migrations_package)
    engine = db.create_engine(url)
    try:
        await migrations.upgrade(engine, migrations_package)
    finally:
        await engine.dispose()


# -- schemas ---------------------------------------------------------------------------------


def render_schemas() -> dict[str, str]:
    """File name → content of every contract file, exactly as committed."""
    from nowrongdoor.contracts import events

    files = {
        f"{event_type}.json": _render(schema)
        for event_type, schema in events.json_schemas().items()
    }
    files[ASYNCAPI_FILE] = _render(events.asyncapi_document())
    return files


def _render(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@schemas_app.command("export")
def schemas_export(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write into. [default: libs/nowrongdoor/schemas]"),
    ] = None,
) -> None:
    """Write one JSON Schema per event and the AsyncAPI document."""
    target = out or _default_schemas_dir()
    target.mkdir(parents=True, exist_ok=True)
    files = render_schemas()
    for name, content in files.items():
        (target / name).write_text(content, encoding="utf-8")
    typer.echo(f"wrote {len(files)} files to {target}")


@schemas_app.command("check")
def schemas_check(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Folder holding the committed files. [default: libs/nowrongdoor/schemas]"
        ),
    ] = None,
) -> None:
    """Exit 1 if the committed contract files differ from what the code generates."""
    target = directory or _default_schemas_dir()
    problems = compare_schemas(render_schemas(), target)
    if problems:
        typer.echo(f"event contracts in {target} are out of date:", err=True)
        for line in problems:
            typer.echo(line, err=True)
        typer.echo("run `nowrongdoor schemas export` and commit the result", err=True)
        raise typer.Exit(1)
    typer.echo(f"event contracts in {target} are up to date")


def compare_schemas(
    expected: Mapping[str, str], directory: Path, context_lines: int = 12
) -> list[str]:
    """A readable summary of every missing, differing or unexpected file; empty when equal."""
    problems: list[str] = []
    for name, content in expected.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"  missing: {name}")
            continue
        committed = path.read_text(encoding="utf-8")
        if committed == content:
            continue
        diff = list(
            difflib.unified_diff(
                committed.splitlines(),
                content.splitlines(),
                fromfile=f"committed/{name}",
                tofile=f"generated/{name}",
                lineterm="",
                n=1,
            )
        )
        changed = sum(1 for line in diff[2:] if line[:1] in "+-")
        problems.append(f"  differs: {name} ({changed} lines changed)")
        shown = diff[:context_lines]
        problems += [f"    {line}" for line in shown]
        if len(diff) > len(shown):
            problems.append(f"    … {len(diff) - len(shown)} more diff lines")
    if directory.is_dir():
        for path in sorted(directory.glob("*.json")):
            if path.name not in expected:
                problems.append(f"  unexpected: {path.name} (no event generates it)")
    return problems


# -- dead letters ----------------------------------------------------------------------------


async def _with_bus(work: Any) -> Any:
    from nowrongdoor.bus import Bus

    bus = await Bus.connect(
        os.environ.get("NWD_NATS_URL", "nats://127.0.0.1:4222"),
        name="nowrongdoor-cli",
        namespace=os.environ.get("NWD_BUS_NAMESPACE", ""),
        wait=5,
    )
    try:
        return await work(bus)
    finally:
        await bus.close()


@deadletters_app.command("list")
def deadletters_list() -> None:
    """Every dead letter: its sequence, the consumer that gave up, the event and why."""
    from nowrongdoor.deadletters import list_dead_letters

    letters = asyncio.run(_with_bus(list_dead_letters))
    if not letters:
        typer.echo("no dead letters")
        return
    for letter in letters:
        typer.echo(
            f"{letter.sequence:>6}  {letter.consumer:<40} {letter.subject:<28} "
            f"{letter.event_id}  {letter.reason}"
        )


@deadletters_app.command("replay")
def deadletters_replay(
    sequences: Annotated[list[int], typer.Argument(help="Sequences from `deadletters list`")],
) -> None:
    """Send dead letters back to their subject; consumers that handled them already skip them."""
    from nowrongdoor.deadletters import replay

    async def replay_all(bus: Any) -> None:
        for sequence in sequences:
            letter = await replay(bus, sequence)
            typer.echo(f"replayed {sequence}: {letter.event_type} {letter.event_id}")

    try:
        asyncio.run(_with_bus(replay_all))
    except Exception as error:  # the operator gets one clear line, not a traceback
        typer.echo(f"replay stopped: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from error


def main() -> None:
    app()


if __name__ == "__main__":
    main()
