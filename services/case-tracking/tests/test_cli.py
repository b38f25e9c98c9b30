"""`nowrongdoor keys rotate` re-seals case tracking's values too, run as an operator would."""

import asyncio
import base64
import os
from pathlib import Path
from typing import Any

from case_tracking_support import Caller
from retention_support import worked_to_closure
from typer.testing import CliRunner

from case_tracking.app import create_app
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor import db, migrations
from nowrongdoor.auth import Principal
from nowrongdoor.cli import app as cli
from nowrongdoor.testing.apps import internal_headers, running

K1, K2 = (os.urandom(32) for _ in range(2))
OPERATOR = Principal(client_id="operator", kind="admin")


def key_spec(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{name}:{base64.b64encode(key).decode()}" for name, key in pairs)


def case_sealed_under_k1(service_environment: dict[str, Any]) -> None:
    """One case worked to closure by a case tracking holding only K1: six sealed values."""
    settings = CaseTrackingSettings(
        **service_environment, encryption_keys=key_spec(("k1", K1)), deadline_check_seconds=3600
    )

    async def work() -> None:
        app = create_app(settings)
        async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
            bus = app.state.runtime.bus
            await worked_to_closure(client, bus, lambda p: Caller(client, app, p))

    asyncio.run(work())


def test_keys_rotate_re_seals_case_trackings_values_and_reports_progress(
    service_environment: dict[str, Any], database_url: str, tmp_path: Path
) -> None:
    case_sealed_under_k1(service_environment)
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_CASE_TRACKING_DATABASE_URL": database_url,
        "NWD_CASE_TRACKING_ENCRYPTION_KEYS": key_spec(("k2", K2), ("k1", K1)),
    }
    runner = CliRunner()

    first = runner.invoke(
        cli, ["keys", "rotate", "case-tracking", "--batch-size", "2"], env=environ
    )
    again = runner.invoke(cli, ["keys", "rotate", "case-tracking"], env=environ)

    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[:5] == [
        "case-tracking: re-sealing under key k2",
        "case-tracking: re-sealed 2 / 6 values",
        "case-tracking: re-sealed 3 / 6 values",
        "case-tracking: re-sealed 5 / 6 values",
        "case-tracking: re-sealed 6 / 6 values",
    ]
    assert lines[-1] == (
        "case-tracking: done: 6 values and 0 attachments re-sealed; "
        "everything is sealed under key k2"
    )
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1].startswith("case-tracking: done: 0 values")


def test_keys_rotate_without_names_rotates_every_service_that_seals(
    service_environment: dict[str, Any], database_url: str, tmp_path: Path
) -> None:
    case_sealed_under_k1(service_environment)
    intake_database = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"

    async def migrate_intake() -> None:
        engine = db.create_engine(intake_database)
        try:
            await migrations.upgrade(engine, "intake.migrations")
        finally:
            await engine.dispose()

    asyncio.run(migrate_intake())
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": intake_database,
        "NWD_INTAKE_ENCRYPTION_KEYS": key_spec(("k2", K2)),
        "NWD_CASE_TRACKING_DATABASE_URL": database_url,
        "NWD_CASE_TRACKING_ENCRYPTION_KEYS": key_spec(("k2", K2), ("k1", K1)),
    }

    result = CliRunner().invoke(cli, ["keys", "rotate"], env=environ)

    assert result.exit_code == 0, result.output
    assert "intake: done: 0 values re-encrypted" in result.output
    assert "case-tracking: done: 6 values and 0 attachments re-sealed" in result.output
    assert result.output.index("intake: done") < result.output.index("case-tracking: done")
    assert "notifications: done: nothing sealed yet" in result.output


def test_keys_rotate_stops_at_a_value_under_a_key_it_is_not_given(
    service_environment: dict[str, Any], database_url: str, tmp_path: Path
) -> None:
    case_sealed_under_k1(service_environment)
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_CASE_TRACKING_DATABASE_URL": database_url,
        "NWD_CASE_TRACKING_ENCRYPTION_KEYS": key_spec(("k2", K2)),
    }

    result = CliRunner().invoke(cli, ["keys", "rotate", "case-tracking"], env=environ)

    assert result.exit_code == 1
    assert "case-tracking: stopped:" in result.output
    assert "key k1, which is not configured" in result.output
    assert "Canary" not in result.output


def test_a_service_that_seals_nothing_is_refused_by_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["keys", "rotate", "routing"], env={"NWD_DATA_DIR": str(tmp_path)}
    )

    assert result.exit_code == 2
    assert "routing seals no data" in result.output
