"""Rotation re-seals complainants' addresses and webhook secrets under the new key; they open the
same, a batch at a time, and a value under a key not given stops it without quoting the value."""

import base64
import os
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from notifications.models import ComplainantContact, WebhookEndpoint
from notifications.service.contacts import contact_context
from notifications.service.keys import rotate
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.resealing import RotationError

K1, K2, K3 = (os.urandom(32) for _ in range(3))
REFERENCES = ("NWD-7K3M9QX2VD4H", "NWD-8M4N2PX7RC5J", "NWD-9Q2R7TX4WF6K")


def sealer_with(*pairs: tuple[str, bytes]) -> Sealer:
    return Sealer(StaticKeys(keys=dict(pairs), active_key_id=pairs[0][0]))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    k1 = base64.b64encode(K1).decode()
    return {"encryption_keys": f"k1:{k1}"}


async def sealed_under_k1(app: FastAPI) -> None:
    """Three complainants' addresses and one endpoint whose secret was rotated, all under K1."""
    k1 = sealer_with(("k1", K1))
    now = datetime.now(UTC)
    async with app.state.runtime.transaction() as session:
        for n, reference in enumerate(REFERENCES):
            session.add(
                ComplainantContact(
                    reference=reference,
                    email_sealed=k1.seal(
                        f"amina{n}@example.org", contact_context(reference, "email")
                    ),
                    phone_sealed=k1.seal("+212600000000", contact_context(reference, "phone")),
                    language="ar",
                    updated_at=now,
                )
            )
        session.add(
            WebhookEndpoint(
                id="endpoint-1",
                owner_kind="institution",
                owner_id="ma-mediateur",
                url="https://cases.example.org/hook",
                description="",
                previous_secret_until=now,
                disabled_reason=None,
                secret_sealed=k1.seal("whsec_new", "webhook-secret:endpoint-1"),
                previous_secret_sealed=k1.seal("whsec_old", "webhook-secret:endpoint-1"),
                created_at=now,
                updated_at=now,
            )
        )


async def test_rotation_re_seals_addresses_and_secrets_under_the_new_key(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sealed_under_k1(app)
    seen: list[tuple[int, int]] = []

    result = await rotate(
        app.state.runtime.sessions,
        sealer_with(("k2", K2), ("k1", K1)),
        batch_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert (result.re_sealed, result.active_key_id) == (8, "k2")
    assert seen[-1] == (8, 8)
    only_k2 = sealer_with(("k2", K2))
    async with app.state.runtime.sessions() as session:
        contacts = (await session.scalars(select(ComplainantContact))).all()
        endpoint = await session.get(WebhookEndpoint, "endpoint-1")
    opened = {
        c.reference: (
            only_k2.open(c.email_sealed or "", contact_context(c.reference, "email")),
            only_k2.open(c.phone_sealed or "", contact_context(c.reference, "phone")),
        )
        for c in contacts
    }
    assert opened == {
        r: (f"amina{n}@example.org", "+212600000000") for n, r in enumerate(REFERENCES)
    }
    assert endpoint is not None
    assert only_k2.open(endpoint.secret_sealed, "webhook-secret:endpoint-1") == "whsec_new"
    assert only_k2.open(endpoint.previous_secret_sealed or "", "webhook-secret:endpoint-1") == (
        "whsec_old"
    )

    again = await rotate(app.state.runtime.sessions, sealer_with(("k2", K2), ("k1", K1)))
    assert again.re_sealed == 0


async def test_a_value_under_a_key_not_given_stops_rotation_without_quoting_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sealed_under_k1(app)

    with pytest.raises(RotationError) as stopped:
        await rotate(app.state.runtime.sessions, sealer_with(("k3", K3)))

    assert "key k1, which is not configured" in str(stopped.value)
    assert "amina" not in str(stopped.value)
    assert "212600000000" not in str(stopped.value)
