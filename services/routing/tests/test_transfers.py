"""Routing hears that an institution declined an opened case, and decides again over its bus."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import (
    CaseTransferred,
    ComplaintReceived,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.envelope import Envelope
from nowrongdoor.inbox import exactly_once
from nowrongdoor.testing.apps import eventually
from routing.consumers import subscriptions
from routing.domain import load_seed_registry

Decide = Callable[..., Awaitable[dict[str, Any]]]
LastEvent = Callable[[str], Awaitable[Envelope | None]]
SEED = load_seed_registry()


async def publish(app: FastAPI, event: CaseTransferred) -> Envelope:
    bus: Bus = app.state.runtime.bus
    envelope = Envelope.wrap(event, source="/tests", subject=event.reference)
    await bus.publish(envelope, event.subject)
    return envelope


async def revision(client: httpx.AsyncClient, reference: str, number: int) -> dict[str, Any]:
    async def decided() -> dict[str, Any] | None:
        response = await client.get(f"/internal/decisions/{reference}")
        current: dict[str, Any] = response.json()
        return current if current["revision"] == number else None

    return await eventually(decided)


async def history(client: httpx.AsyncClient, reference: str) -> list[dict[str, Any]]:
    response = await client.get(f"/internal/decisions/{reference}/history")
    decisions: list[dict[str, Any]] = response.json()
    return decisions


async def announced(last_event: LastEvent, subject: str, decision_id: str) -> Envelope:
    async def found() -> Envelope | None:
        envelope = await last_event(subject)
        if envelope is None:
            return None
        event = envelope.event()
        assert isinstance(event, ComplaintRouted | ComplaintTriageRequired)
        return envelope if event.decision_id == decision_id else None

    return await eventually(found)


async def test_a_case_declined_without_naming_anyone_is_decided_again_without_the_decliner(
    app: FastAPI,
    client: httpx.AsyncClient,
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
    last_event: LastEvent,
) -> None:
    complaint = received()
    first = await decide_over_the_bus(complaint)
    declined = CaseTransferred(
        reference=complaint.reference,
        from_institution_id="ma-mediateur",
        facts=complaint.facts,
        at=datetime.now(UTC),
    )

    envelope = await publish(app, declined)
    current = await revision(client, complaint.reference, 2)
    triage = (await announced(last_event, "complaint.triage-required", current["id"])).event()

    assert first["competent"][0]["institution_id"] == "ma-mediateur"
    # Only the Médiateur was competent; it is also Morocco's desk, so the next institution is.
    assert (current["outcome"], current["triage_institution_id"]) == ("triage", "ma-cndh")
    assert current["reason"] == "declined-by-all"
    assert "ma-mediateur/declined-competence" in current["excluding_rules"]
    assert isinstance(triage, ComplaintTriageRequired)
    assert triage.triage_institution_id == "ma-cndh"
    assert triage.explanation is not None
    assert triage.explanation.startswith(SEED.institution_name("ma-mediateur", "fr"))

    # The same event delivered again, through the inbox the consumer uses, decides nothing.
    [*_, on_transfer] = subscriptions(app.state.registry_store)
    handler = exactly_once(
        app.state.runtime.sessions, "routing-case-transferred", on_transfer.handler
    )
    await handler(envelope)
    assert [d["revision"] for d in await history(client, complaint.reference)] == [1, 2]


async def test_a_transfer_by_name_is_written_down_and_its_decline_respected_later(
    app: FastAPI,
    client: httpx.AsyncClient,
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
    last_event: LastEvent,
) -> None:
    complaint = received(category="corruption")
    first = await decide_over_the_bus(complaint)

    await publish(
        app,
        CaseTransferred(
            reference=complaint.reference,
            from_institution_id="ma-inpplc",
            to_institution_id="ma-cndh",
            at=datetime.now(UTC),
        ),
    )
    handed = await revision(client, complaint.reference, 2)
    await publish(
        app,
        CaseTransferred(
            reference=complaint.reference,
            from_institution_id="ma-cndh",
            facts=complaint.facts,
            at=datetime.now(UTC),
        ),
    )
    current = await revision(client, complaint.reference, 3)
    triage = (await announced(last_event, "complaint.triage-required", current["id"])).event()

    assert first["competent"][0]["institution_id"] == "ma-inpplc"
    assert (handed["decided_by"], handed["outcome"]) == ("transfer", "competent")
    assert [(c["institution_id"], c["role"]) for c in handed["competent"]] == [("ma-cndh", "lead")]
    # Neither the anti-corruption body, which declined first, nor the CNDH is chosen again.
    assert (current["outcome"], current["triage_institution_id"]) == ("triage", "ma-mediateur")
    assert {"ma-inpplc/declined-competence", "ma-cndh/declined-competence"} <= set(
        current["excluding_rules"]
    )
    assert isinstance(triage, ComplaintTriageRequired)
    assert triage.reference == complaint.reference


async def test_a_tie_broken_by_a_decline_is_routed_to_the_other_institution(
    app: FastAPI,
    client: httpx.AsyncClient,
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
    last_event: LastEvent,
) -> None:
    complaint = received(
        respondent_type="regional-administration", respondent_territory="BE-BRU", language="en"
    )
    first = await decide_over_the_bus(complaint)

    await publish(
        app,
        CaseTransferred(
            reference=complaint.reference,
            from_institution_id="be-wallonie",
            facts=complaint.facts,
            at=datetime.now(UTC),
        ),
    )
    current = await revision(client, complaint.reference, 2)
    routed = (await announced(last_event, "complaint.routed", current["id"])).event()

    assert first["outcome"] == "triage"
    assert isinstance(routed, ComplaintRouted)
    assert [(c.institution_id, c.role) for c in routed.competent] == [("be-vlaanderen", "lead")]
    assert routed.received_by is None
    assert routed.explanation is not None
    assert "found your complaint outside its competence" in routed.explanation
