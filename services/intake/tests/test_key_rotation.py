import asyncio
import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col
from typer.testing import CliRunner

from intake import audit
from intake.models import SEALED_FIELDS, AuditEntry, Submission
from intake.rotation import RotationError, rotate
from intake.service import accept_complaint
from nowrongdoor import db, migrations
from nowrongdoor.cli import app as cli
from nowrongdoor.contracts.intake import ComplaintSubmission
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.ids import new_reference

K0, K1, K2 = (os.urandom(32) for _ in range(3))
OPERATOR = audit.operator("ops-on-call")


def keys(*pairs: tuple[str, bytes]) -> Sealer:
    """A sealer holding these keys, the first one active."""
    return Sealer(StaticKeys(keys=dict(pairs), active_key_id=pairs[0][0]))


def description(index: int) -> str:
    return f"Complaint number {index}: the office lost my file twice."


def submission(index: int, *, identified: bool) -> ComplaintSubmission:
    complainant: dict[str, Any] = {"role": "citizen", "anonymous": not identified}
    if identified:
        complainant |= {"name": f"Person {index}", "email": f"person{index}@example.org"}
    return ComplaintSubmission.model_validate(
        {
            "description": description(index),
            "category": "maladministration",
            "respondent": {
                "name": f"Office {index}",
                "type": "local-authority",
                "territory": "MA-01",
            },
            "complainant": complainant,
            "administration_contacted": True,
            "court_case_pending": False,
            "language": "fr",
        }
    )


async def file_complaints(
    sessions: db.SessionMaker,
    sealer: Sealer,
    count: int,
    *,
    prefix: str | None = None,
    identified: bool | None = None,
) -> list[str]:
    """`count` complaints, every other one identified unless `identified` says otherwise."""
    references = [
        f"{prefix}{index:0{16 - len(prefix)}d}" if prefix else new_reference()
        for index in range(count)
    ]
    async with db.unit_of_work(sessions) as session:
        for index, reference in enumerate(references):
            accept_complaint(
                session,
                sealer,
                submission(index, identified=index % 2 == 0 if identified is None else identified),
                "web",
                reference=reference,
                receipt_hash="unused",
            )
    return references


async def sealed_key_ids(sessions: db.SessionMaker) -> list[str]:
    async with sessions() as session:
        records = (await session.scalars(sa.select(Submission))).all()
    return [
        Sealer.key_id_of(value)
        for record in records
        for value in (getattr(record, name) for name in SEALED_FIELDS)
        if value is not None
    ]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[db.SessionMaker]:
    engine = db.create_engine(database_url)
    await migrations.upgrade(engine, "intake.migrations")
    yield db.session_maker(engine)
    await engine.dispose()


async def test_values_sealed_under_the_old_key_are_re_encrypted_under_the_new_one(
    sessions: db.SessionMaker,
) -> None:
    references = await file_complaints(sessions, keys(("k1", K1)), 5)
    # 5 descriptions, 5 respondent names, 3 identities.
    assert sorted(await sealed_key_ids(sessions)) == ["k1"] * 13
    reported: list[tuple[int, int]] = []

    result = await rotate(
        sessions,
        keys(("k2", K2), ("k1", K1)),
        OPERATOR,
        batch_size=2,
        progress=lambda done, total: reported.append((done, total)),
    )

    assert result.re_encrypted == 13
    assert await sealed_key_ids(sessions) == ["k2"] * 13
    assert reported[-1] == (13, 13)
    assert [done for done, _ in reported] == sorted({done for done, _ in reported})
    assert len(reported) == 3
    only_new_key = keys(("k2", K2))
    async with sessions() as session:
        for index, reference in enumerate(references):
            record = await session.get(Submission, reference)
            assert record is not None and record.sealed_description is not None
            opened = only_new_key.open(record.sealed_description, f"{reference}/description")
            assert opened == description(index)
            if record.sealed_identity:
                identity = only_new_key.open(record.sealed_identity, f"{reference}/identity")
                assert f"person{index}@example.org" in identity


async def test_each_run_is_audited_once_and_a_second_run_finds_nothing_to_do(
    sessions: db.SessionMaker,
) -> None:
    await file_complaints(sessions, keys(("k1", K1)), 3)
    rotated = keys(("k2", K2), ("k1", K1))

    first = await rotate(sessions, rotated, OPERATOR, batch_size=2)
    second = await rotate(sessions, rotated, OPERATOR, batch_size=2)

    assert (first.re_encrypted, second.re_encrypted) == (8, 0)
    async with sessions() as session:
        entries = (await session.scalars(sa.select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    assert [(e.action, e.actor_client_id, e.actor_kind, e.detail) for e in entries] == [
        ("key-rotation", "ops-on-call", "operator", "re-encrypted 8 values under key k2"),
        ("key-rotation", "ops-on-call", "operator", "re-encrypted 0 values under key k2"),
    ]


async def test_an_interrupted_rotation_carries_on_where_it_stopped(
    sessions: db.SessionMaker,
) -> None:
    await file_complaints(sessions, keys(("k1", K1)), 4, prefix="NWD-A")
    # A value sealed under a key the rotation is not given stops it part way.
    await file_complaints(sessions, keys(("k0", K0)), 1, prefix="NWD-B")
    await file_complaints(sessions, keys(("k1", K1)), 4, prefix="NWD-C")

    with pytest.raises(RotationError, match="key k0, which is not configured"):
        await rotate(sessions, keys(("k2", K2), ("k1", K1)), OPERATOR, batch_size=1)
    part_way = await sealed_key_ids(sessions)
    assert "k2" in part_way and "k1" in part_way

    result = await rotate(sessions, keys(("k2", K2), ("k1", K1), ("k0", K0)), OPERATOR)

    assert result.re_encrypted == part_way.count("k1") + part_way.count("k0")
    assert set(await sealed_key_ids(sessions)) == {"k2"}


def test_keys_rotate_command_reports_progress(database_url: str, tmp_path: Path) -> None:
    async def prepare() -> None:
        engine = db.create_engine(database_url)
        try:
            await migrations.upgrade(engine, "intake.migrations")
            await file_complaints(db.session_maker(engine), keys(("k1", K1)), 4, identified=False)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    spec = ",".join(
        f"{name}:{base64.b64encode(key).decode()}" for name, key in [("k2", K2), ("k1", K1)]
    )
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": database_url,
        "NWD_INTAKE_ENCRYPTION_KEYS": spec,
    }

    result = CliRunner().invoke(
        cli, ["keys", "rotate", "--batch-size", "3", "--actor", "ops-on-call"], env=environ
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "re-encrypting under key k2",
        "re-encrypted 6 / 8 values",
        "re-encrypted 8 / 8 values",
        "done: 8 values re-encrypted; everything is sealed under key k2",
    ]


def test_keys_rotate_command_without_the_old_key_stops_and_says_why(
    database_url: str, tmp_path: Path
) -> None:
    async def prepare() -> None:
        engine = db.create_engine(database_url)
        try:
            await migrations.upgrade(engine, "intake.migrations")
            await file_complaints(db.session_maker(engine), keys(("k1", K1)), 1)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": database_url,
        "NWD_INTAKE_ENCRYPTION_KEYS": f"k2:{base64.b64encode(K2).decode()}",
    }

    result = CliRunner().invoke(cli, ["keys", "rotate"], env=environ)

    assert result.exit_code == 1
    assert "key k1, which is not configured" in result.output
    assert "Office" not in result.output
