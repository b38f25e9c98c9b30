"""A sixth service, declared only by its entry points, is run, migrated and found like the five."""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from nowrongdoor.planning import PlatformConfig, child_environ
from nowrongdoor.plugins import declared_names, discover_services
from nowrongdoor.supervisor import Platform, plan_platform

pytest_plugins = ["pytester"]

LEDGER = Path(__file__).parent / "nwd_ledger"
ENTRY_POINTS = """\
[nowrongdoor.services]
ledger = nwd_ledger.app:SERVICE

[nowrongdoor.commands]
ledger = nwd_ledger.cli:app
audit = nwd_ledger.cli:audit_app
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the ledger as an installed distribution: its package and its dist-info.

    It is put on sys.path here and on PYTHONPATH for every process started from the test.
    """
    site = tmp_path / "site"
    shutil.copytree(LEDGER, site / "nwd_ledger", ignore=shutil.ignore_patterns("__pycache__"))
    info = site / "nwd_ledger-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nwd-ledger\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    inherited = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), inherited])))
    importlib.invalidate_caches()
    return site


def test_discovery_finds_it_after_the_five_in_port_order(site: Path) -> None:
    assert "ledger" in declared_names()
    found = discover_services()
    assert [service.name for service in found] == [
        "gateway",
        "intake",
        "routing",
        "case-tracking",
        "notifications",
        "ledger",
    ]
    [ledger] = discover_services(["ledger"])
    assert ledger.sqlite_name() == "ledger-book"


def test_migrate_creates_its_tables_in_the_sqlite_file_its_settings_name(
    site: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    done = nowrongdoor("migrate", "ledger", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ledger: up to date" in done.stdout
    with sqlite3.connect(data_dir / "ledger-book.db") as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
    assert "ledger_entries" in tables


def nowrongdoor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nowrongdoor.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.usefixtures("site")
def test_its_commands_are_sub_commands_and_a_broken_one_breaks_no_other() -> None:
    listed = nowrongdoor("--help")
    assert listed.returncode == 0, listed.stderr
    assert "ledger" in listed.stdout
    assert "audit" in listed.stdout
    assert "clients" in listed.stdout
    balance = nowrongdoor("ledger", "balance")
    assert (balance.returncode, balance.stdout) == (0, "balance: 0\n")
    audit = nowrongdoor("audit", "--since", "2026")
    assert audit.returncode == 1
    assert "`nowrongdoor audit` is unavailable: nwd_ledger.cli:audit_app" in audit.stderr
    assert nowrongdoor("schemas", "check").returncode == 0


def test_migrate_lists_it_among_the_services_to_choose_from(site: Path) -> None:
    done = nowrongdoor("migrate", "billing")
    assert done.returncode == 2
    assert "case-tracking, gateway, intake, ledger, notifications, routing" in done.stderr


async def test_up_plans_it_and_the_supervisor_runs_it(
    site: Path, tmp_path: Path, free_port_base: Callable[[int], int]
) -> None:
    base = free_port_base(6)
    environ = {"NWD_NATS_URL": "nats://127.0.0.1:4222", "NWD_REDIS_URL": "redis://127.0.0.1/0"}
    config = PlatformConfig.from_environ(environ, data_dir=tmp_path, port_base=base)
    planned = plan_platform(config)
    [ledger] = [spec for spec in planned.specs if spec.name == "ledger"]
    assert ledger.port == base + 5
    assert ledger.app_factory == "nwd_ledger.app:create_app"
    assert "NWD_LEDGER_DATABASE_URL" in next(iter(planned.specs)).withheld
    assert "NWD_LEDGER_DATABASE_URL" not in child_environ(
        {"NWD_LEDGER_DATABASE_URL": "sqlite:///ledger.db"}, {}
    )

    # Only the ledger runs: the five have tests of their own.
    platform = Platform(config=config, nats=None, redis=None, specs=[ledger])
    lines: list[str] = []
    all_ready = asyncio.Event()
    stop = asyncio.Event()
    running = asyncio.create_task(
        platform.run(stop, console=lines.append, on_all_ready=all_ready.set)
    )
    try:
        await asyncio.wait_for(all_ready.wait(), timeout=60)
        async with httpx.AsyncClient(base_url=ledger.url, trust_env=False) as client:
            assert (await client.get("/readyz")).status_code == 200
            peers = (await client.get("/peers")).json()
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    assert f"ledger is up at {ledger.url}" in "\n".join(lines)
    assert peers["NWD_GATEWAY_URL"] == f"http://127.0.0.1:{base}"
    assert peers["NWD_CASE_TRACKING_URL"] == f"http://127.0.0.1:{base + 3}"
    assert "NWD_LEDGER_URL" not in peers


def test_the_test_plugin_hands_it_to_tests(site: Path, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_sees_the_ledger(declared_services):
            ledger = declared_services[-1]
            assert ledger.name == "ledger"
            assert ledger.default_port == 8005
            assert ledger.database_variable == "NWD_LEDGER_DATABASE_URL"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["nowrongdoor services declared: *ledger*"])
