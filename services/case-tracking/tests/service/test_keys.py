"""Rotation re-seals every message, note and reason under the new key; they read the same."""

import base64
import os
from typing import Any

import pytest
from case_tracking_support import Caller, MovableClock, open_case, staff
from fastapi import FastAPI
from retention_support import (
    WORDS,
    asked_and_declined,
    removal_announced,
    sealed_values,
    worked_to_closure,
)

from case_tracking.app import create_app
from case_tracking.service.keys import rotate
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor import db
from nowrongdoor.auth import Principal
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.resealing import RotationError
from nowrongdoor.storage import BlobStore
from nowrongdoor.testing.apps import eventually, internal_headers, running

K1, K2, K3 = (os.urandom(32) for _ in range(3))
OPERATOR = Principal(client_id="operator", kind="admin")


def key_spec(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{name}:{base64.b64encode(key).decode()}" for name, key in pairs)


def sealer_with(*pairs: tuple[str, bytes]) -> Sealer:
    return Sealer(StaticKeys(keys=dict(pairs), active_key_id=pairs[0][0]))


def store_of(settings: CaseTrackingSettings) -> BlobStore:
    """The attachment store case tracking opens with these settings."""
    return settings.attachment_store_opened()


class Interrupted(Exception):
    """The operator pressed Ctrl-C."""


def app_with(
    settings: CaseTrackingSettings, clock: MovableClock, *keys: tuple[str, bytes]
) -> FastAPI:
    return create_app(settings.model_copy(update={"encryption_keys": key_spec(*keys)}), clock=clock)


async def case_under_k1(
    settings: CaseTrackingSettings, clock: MovableClock, *, forget: bool = False
) -> tuple[str, dict[str, Any]]:
    """A case worked to closure while K1 was the only key; its reference and how staff saw it."""
    app = app_with(settings, clock, ("k1", K1))
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        bus = app.state.runtime.bus
        reference = await worked_to_closure(client, bus, lambda p: Caller(client, app, p))
        if forget:
            await removal_announced(bus, reference)
            await eventually(lambda: _only_markers_left(app))
        view = (await Caller(client, app, staff("ma-mediateur")).read(reference)).json()
    return reference, view


async def _only_markers_left(app: FastAPI) -> bool:
    values = await sealed_values(app)
    return bool(values) and not any(value.startswith("v1.") for value in values)


async def staff_view(
    settings: CaseTrackingSettings, clock: MovableClock, reference: str, *keys: tuple[str, bytes]
) -> tuple[dict[str, Any], list[str]]:
    """The case as staff read it with only `keys` configured, and its sealed values' key ids."""
    app = app_with(settings, clock, *keys)
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        view = (await Caller(client, app, staff("ma-mediateur")).read(reference)).json()
        key_ids = [Sealer.key_id_of(v) for v in await sealed_values(app) if v.startswith("v1.")]
    return view, key_ids


@pytest.fixture
async def sessions(database_url: str) -> Any:
    engine = db.create_engine(database_url)
    yield db.session_maker(engine)
    await engine.dispose()


async def test_values_under_an_old_key_are_resealed_and_read_the_same(
    settings: CaseTrackingSettings, clock: MovableClock, sessions: db.SessionMaker
) -> None:
    reference, before = await case_under_k1(settings, clock)
    seen: list[tuple[int, int]] = []

    result = await rotate(
        sessions,
        sealer_with(("k2", K2), ("k1", K1)),
        store_of(settings),
        "ops-on-call",
        batch_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    after, key_ids = await staff_view(settings, clock, reference, ("k2", K2))

    assert (result.re_sealed, result.active_key_id) == (6, "k2")
    assert seen == [(2, 6), (3, 6), (5, 6), (6, 6)]
    assert key_ids == ["k2"] * 6
    assert [m["body"] for m in after["messages"]] == [
        WORDS["message"],
        WORDS["answer"],
        WORDS["internal"],
    ]
    assert after["outcome_reason"] == WORDS["reason"]
    assert after["timeline"] == before["timeline"]


async def test_an_interrupted_rotation_carries_on_when_run_again(
    settings: CaseTrackingSettings, clock: MovableClock, sessions: db.SessionMaker
) -> None:
    reference, _ = await case_under_k1(settings, clock)
    sealer = sealer_with(("k2", K2), ("k1", K1))

    def ctrl_c(done: int, total: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        await rotate(sessions, sealer, store_of(settings), "ops", batch_size=2, progress=ctrl_c)
    _, halfway = await staff_view(settings, clock, reference, ("k2", K2), ("k1", K1))
    again = await rotate(sessions, sealer, store_of(settings), "ops", batch_size=2)
    after, key_ids = await staff_view(settings, clock, reference, ("k2", K2))

    assert sorted(halfway) == ["k1"] * 4 + ["k2"] * 2
    assert again.re_sealed == 4
    assert key_ids == ["k2"] * 6
    assert after["messages"][0]["body"] == WORDS["message"]


async def test_a_value_under_a_key_not_configured_stops_the_rotation_and_says_which(
    settings: CaseTrackingSettings, clock: MovableClock, sessions: db.SessionMaker
) -> None:
    reference, _ = await case_under_k1(settings, clock)

    with pytest.raises(RotationError) as stopped:
        await rotate(sessions, sealer_with(("k3", K3)), store_of(settings), "ops")
    _, key_ids = await staff_view(settings, clock, reference, ("k1", K1))

    assert "key k1, which is not configured" in str(stopped.value)
    assert reference in str(stopped.value)
    assert "Canary" not in str(stopped.value)
    assert key_ids == ["k1"] * 6


async def test_removed_messages_are_left_as_they_are(
    settings: CaseTrackingSettings, clock: MovableClock, sessions: db.SessionMaker
) -> None:
    await case_under_k1(settings, clock, forget=True)

    result = await rotate(sessions, sealer_with(("k2", K2), ("k1", K1)), store_of(settings), "ops")

    assert result.re_sealed == 0


async def test_the_reasons_given_with_invitations_are_resealed_too(
    settings: CaseTrackingSettings, clock: MovableClock, sessions: db.SessionMaker
) -> None:
    app = app_with(settings, clock, ("k1", K1))
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        reference = await open_case(client, app.state.runtime.bus, "ma-mediateur")
        await asked_and_declined(lambda p: Caller(client, app, p), reference)

    result = await rotate(
        sessions, sealer_with(("k2", K2), ("k1", K1)), store_of(settings), "ops", batch_size=1
    )
    after, key_ids = await staff_view(settings, clock, reference, ("k2", K2))

    assert result.re_sealed == len(key_ids) >= 2
    assert set(key_ids) == {"k2"}
    [invitation] = after["invitations"]
    assert (invitation["reason"], invitation["decline_reason"]) == (
        WORDS["asked"],
        WORDS["declined"],
    )
