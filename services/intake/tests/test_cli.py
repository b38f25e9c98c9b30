"""`nowrongdoor keys …` and `nowrongdoor retention …`, run as an operator would."""

import asyncio
import base64
import os
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from intake.service.decisions import record_status
from intake.service.submissions import store_complaint
from intake.settings import IntakeSettings
from nowrongdoor import db, migrations
from nowrongdoor.cli import app as cli
from nowrongdoor.contracts.events import CaseStatusChanged
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.crypto import Sealer

from .support import numbered_submission, sealer_with, store_complaints

K1, K2 = (os.urandom(32) for _ in range(2))


def key_spec(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{name}:{base64.b64encode(key).decode()}" for name, key in pairs)


def test_keys_rotate_command_reports_progress(database_url: str, tmp_path: Path) -> None:
    async def prepare() -> None:
        engine = db.create_engine(database_url)
        try:
            await migrations.upgrade(engine, "intake.migrations")
            sessions = db.session_maker(engine)
            await store_complaints(sessions, sealer_with(("k1", K1)), 4, identified=False)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": database_url,
        "NWD_INTAKE_ENCRYPTION_KEYS": key_spec(("k2", K2), ("k1", K1)),
    }

    result = CliRunner().invoke(
        cli,
        ["keys", "rotate", "intake", "--batch-size", "3", "--actor", "ops-on-call"],
        env=environ,
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "intake: re-encrypting under key k2",
        "intake: re-encrypted 6 / 8 values",
        "intake: re-encrypted 8 / 8 values",
        "intake: done: 8 values re-encrypted; everything is sealed under key k2",
    ]


def test_keys_rotate_command_without_the_old_key_stops_and_says_why(
    database_url: str, tmp_path: Path
) -> None:
    async def prepare() -> None:
        engine = db.create_engine(database_url)
        try:
            await migrations.upgrade(engine, "intake.migrations")
            await store_complaints(db.session_maker(engine), sealer_with(("k1", K1)), 1)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": database_url,
        "NWD_INTAKE_ENCRYPTION_KEYS": key_spec(("k2", K2)),
    }

    result = CliRunner().invoke(cli, ["keys", "rotate", "intake"], env=environ)

    assert result.exit_code == 1
    assert "intake: stopped:" in result.output
    assert "key k1, which is not configured" in result.output
    assert "Office" not in result.output


def test_keys_generate_prints_a_key_to_configure() -> None:
    result = CliRunner().invoke(cli, ["keys", "generate"])

    assert result.exit_code == 0
    key_id, _, encoded = result.output.strip().partition(":")
    assert key_id.startswith("k")
    assert len(base64.b64decode(encoded)) == 32


def test_retention_purge_command_lists_then_purges(database_url: str, tmp_path: Path) -> None:
    reference = "NWD-7K3M9QX2VD4H"
    closed_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

    async def prepare() -> None:
        settings = IntakeSettings(environment="test", database_url=database_url, data_dir=tmp_path)
        engine = db.create_engine(database_url)
        try:
            await migrations.upgrade(engine, "intake.migrations")
            sessions = db.session_maker(engine)
            async with db.unit_of_work(sessions) as session:
                store_complaint(
                    session,
                    Sealer(settings.keys()),
                    numbered_submission(1, identified=True),
                    "web",
                    reference=reference,
                    receipt_hash="unused",
                    received_at=closed_at,
                )
            async with db.unit_of_work(sessions) as session:
                closed = CaseStatusChanged(
                    reference=reference,
                    status=CaseStatus.CLOSED,
                    previous_status=CaseStatus.RESOLVED,
                    institution_ids=["ma-mediateur"],
                    changed_at=closed_at,
                )
                await record_status(session, closed)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    runner = CliRunner()
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": database_url,
        "NWD_INTAKE_RETENTION_DAYS": "30",
    }

    dry = runner.invoke(cli, ["retention", "purge", "--dry-run"], env=environ)
    real = runner.invoke(cli, ["retention", "purge"], env=environ)
    again = runner.invoke(cli, ["retention", "purge"], env=environ)

    assert dry.exit_code == real.exit_code == again.exit_code == 0, dry.output + real.output
    assert f"due: {reference} (closed 2026-01-15, kept 30 days)" in dry.output
    assert "nothing was purged (dry run)" in dry.output
    assert f"purged: {reference}" in real.output
    assert "purged the personal data of 1 submission" in real.output
    assert "purged the personal data of 0 submissions" in again.output
