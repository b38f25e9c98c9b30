"""Key rotation re-encrypts what is sealed under an older key, in batches, and is audited."""

import os

import pytest
import sqlalchemy as sa
from sqlmodel import col

from intake.domain.audit import operator
from intake.models import AuditEntry, Submission
from intake.service.keys import RotationError, rotate
from nowrongdoor import db

from ..support import numbered_description, sealed_key_ids, sealer_with, store_complaints

K0, K1, K2 = (os.urandom(32) for _ in range(3))
OPERATOR = operator("ops-on-call")


async def test_values_sealed_under_the_old_key_are_re_encrypted_under_the_new_one(
    sessions: db.SessionMaker,
) -> None:
    references = await store_complaints(sessions, sealer_with(("k1", K1)), 5)
    # 5 descriptions, 5 respondent names, 3 identities.
    assert sorted(await sealed_key_ids(sessions)) == ["k1"] * 13
    reported: list[tuple[int, int]] = []

    result = await rotate(
        sessions,
        sealer_with(("k2", K2), ("k1", K1)),
        OPERATOR,
        batch_size=2,
        progress=lambda done, total: reported.append((done, total)),
    )

    assert result.re_encrypted == 13
    assert await sealed_key_ids(sessions) == ["k2"] * 13
    assert reported[-1] == (13, 13)
    assert [done for done, _ in reported] == sorted({done for done, _ in reported})
    assert len(reported) == 3
    only_new_key = sealer_with(("k2", K2))
    async with sessions() as session:
        for index, reference in enumerate(references):
            record = await session.get(Submission, reference)
            assert record is not None and record.sealed_description is not None
            opened = only_new_key.open(record.sealed_description, f"{reference}/description")
            assert opened == numbered_description(index)
            if record.sealed_identity:
                identity = only_new_key.open(record.sealed_identity, f"{reference}/identity")
                assert f"person{index}@example.org" in identity


async def test_each_run_is_audited_once_and_a_second_run_finds_nothing_to_do(
    sessions: db.SessionMaker,
) -> None:
    await store_complaints(sessions, sealer_with(("k1", K1)), 3)
    rotated = sealer_with(("k2", K2), ("k1", K1))

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
    await store_complaints(sessions, sealer_with(("k1", K1)), 4, prefix="NWD-A")
    # A value sealed under a key the rotation is not given stops it part way.
    await store_complaints(sessions, sealer_with(("k0", K0)), 1, prefix="NWD-B")
    await store_complaints(sessions, sealer_with(("k1", K1)), 4, prefix="NWD-C")

    with pytest.raises(RotationError, match="key k0, which is not configured"):
        await rotate(sessions, sealer_with(("k2", K2), ("k1", K1)), OPERATOR, batch_size=1)
    part_way = await sealed_key_ids(sessions)
    assert "k2" in part_way and "k1" in part_way

    result = await rotate(sessions, sealer_with(("k2", K2), ("k1", K1), ("k0", K0)), OPERATOR)

    assert result.re_encrypted == part_way.count("k1") + part_way.count("k0")
    assert set(await sealed_key_ids(sessions)) == {"k2"}


async def test_a_value_that_does_not_open_stops_the_rotation_and_says_so(
    sessions: db.SessionMaker,
) -> None:
    # Sealed under a key named k1 whose bytes are not the k1 the rotation holds.
    await store_complaints(sessions, sealer_with(("k1", K0)), 1, prefix="NWD-A")

    with pytest.raises(RotationError, match="does not open under key k1"):
        await rotate(sessions, sealer_with(("k2", K2), ("k1", K1)), OPERATOR)
