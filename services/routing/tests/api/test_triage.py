"""Triage through the API: the desk decides what the engine could not, and proposes a rule.

A complaint the engine cannot decide is decided by its triage institution, and that choice becomes
a proposed rule an administrator may adopt: never a silent override of the engine.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from nowrongdoor.contracts.events import ComplaintReceived, ComplaintRouted
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually

Decide = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]
Tie = Callable[[], ComplaintReceived]

CHOICE: dict[str, Any] = {
    "lead_institution_id": "be-wallonie",
    "associated_institution_ids": [],
    "reason": "The school belongs to the French-speaking Community.",
}


@pytest.fixture
def brussels_tie(received: Callable[..., ComplaintReceived]) -> Callable[[], ComplaintReceived]:
    """A community administration in Brussels: the Flemish and the Walloon ombudsmen tie."""

    def make() -> ComplaintReceived:
        return received(
            respondent_type="regional-administration",
            respondent_territory="BE-BRU",
            received_by="be-vlaanderen",
            language="en",
        )

    return make


async def triage(
    client: httpx.AsyncClient, reference: str, headers: dict[str, str], **changes: Any
) -> httpx.Response:
    return await client.post(
        f"/internal/triage/{reference}/decision", json=CHOICE | changes, headers=headers
    )


async def test_the_triage_desk_decides_and_the_complaint_is_routed_under_its_reference(
    client: httpx.AsyncClient,
    decide_over_the_bus: Decide,
    headers_for: Headers,
    brussels_tie: Tie,
    last_event: Callable[[str], Awaitable[Envelope | None]],
) -> None:
    event = brussels_tie()
    waiting = await decide_over_the_bus(event)
    desk = headers_for("institution", "be-vlaanderen", "cases:read", "cases:write")

    response = await triage(client, event.reference, desk)

    assert waiting["outcome"] == "triage"
    assert waiting["triage_institution_id"] == "be-vlaanderen"
    assert response.status_code == 200, response.text
    assert [i["institution_id"] for i in response.json()["institutions"]] == ["be-wallonie"]
    current = (await client.get(f"/internal/decisions/{event.reference}")).json()
    assert (current["outcome"], current["revision"]) == ("competent", 2)
    assert current["decided_by"] == "nwdc_institution_be-vlaanderen"
    history = (await client.get(f"/internal/decisions/{event.reference}/history")).json()
    assert [d["outcome"] for d in history] == ["triage", "competent"]

    async def routed() -> ComplaintRouted | None:
        envelope = await last_event("complaint.routed")
        found = envelope.event() if envelope is not None else None  # None until relayed
        return found if isinstance(found, ComplaintRouted) else None

    announced = await eventually(routed)
    assert announced.reference == event.reference
    assert [c.institution_id for c in announced.competent] == ["be-wallonie"]
    assert (announced.triaged_by, announced.received_by) == ("be-vlaanderen", "be-vlaanderen")
    assert announced.territory_path == ["BE", "BE-BRU"]
    assert str(CHOICE["reason"]) not in announced.model_dump_json()


async def test_nobody_but_the_triage_desk_can_decide(
    client: httpx.AsyncClient, decide_over_the_bus: Decide, headers_for: Headers, brussels_tie: Tie
) -> None:
    event = brussels_tie()
    await decide_over_the_bus(event)

    other = await triage(
        client, event.reference, headers_for("institution", "be-wallonie", "cases:write")
    )
    public = await triage(client, event.reference, {})
    admin = await triage(client, event.reference, headers_for("admin", None, "cases:write"))
    unknown = await triage(
        client, "NWD-0000000000AA", headers_for("institution", "be-vlaanderen", "cases:write")
    )
    without_scope = await triage(
        client, event.reference, headers_for("institution", "be-vlaanderen", "cases:read")
    )

    assert other.status_code == public.status_code == admin.status_code == 404
    assert other.json() == unknown.json()
    assert without_scope.status_code == 403
    current = (await client.get(f"/internal/decisions/{event.reference}")).json()
    assert current["outcome"] == "triage"


async def test_a_complaint_the_engine_decided_cannot_be_triaged(
    client: httpx.AsyncClient, decide_over_the_bus: Decide, headers_for: Headers
) -> None:
    decided = await decide_over_the_bus(received_by="ma-mediateur")

    response = await triage(
        client, decided["reference"], headers_for("institution", "ma-mediateur", "cases:write")
    )

    assert response.status_code == 404


async def test_a_second_decision_is_a_conflict(
    client: httpx.AsyncClient, decide_over_the_bus: Decide, headers_for: Headers, brussels_tie: Tie
) -> None:
    event = brussels_tie()
    await decide_over_the_bus(event)
    desk = headers_for("institution", "be-vlaanderen", "cases:write")
    first = await triage(client, event.reference, desk)

    second = await triage(client, event.reference, desk, lead_institution_id="be-vlaanderen")

    assert (first.status_code, second.status_code) == (200, 409)


async def test_institutions_that_cannot_take_the_case_are_named(
    client: httpx.AsyncClient, decide_over_the_bus: Decide, headers_for: Headers, brussels_tie: Tie
) -> None:
    event = brussels_tie()
    await decide_over_the_bus(event)

    response = await triage(
        client,
        event.reference,
        headers_for("institution", "be-vlaanderen", "cases:write"),
        lead_institution_id="xx-nobody",
        associated_institution_ids=["be-unia", "be-unia"],
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "lead_institution_id",
        "associated_institution_ids",
    }


async def test_an_adopted_proposal_lets_the_engine_decide_the_same_facts_itself(
    client: httpx.AsyncClient, decide_over_the_bus: Decide, headers_for: Headers, brussels_tie: Tie
) -> None:
    event = brussels_tie()
    await decide_over_the_bus(event)
    await triage(
        client, event.reference, headers_for("institution", "be-vlaanderen", "cases:write")
    )
    admin = headers_for("admin", None)

    proposals = (await client.get("/internal/triage/proposals", headers=admin)).json()
    [proposal] = proposals
    own = await client.get(
        "/internal/triage/proposals",
        headers=headers_for("institution", "be-wallonie", "mandate:write"),
    )
    others = await client.get(
        "/internal/triage/proposals",
        headers=headers_for("institution", "be-vlaanderen", "mandate:write"),
    )
    still_tied = await decide_over_the_bus(brussels_tie())
    mandate = (await client.get("/internal/institutions/be-wallonie/mandate")).json()
    adopted = await client.put(
        "/internal/institutions/be-wallonie/mandate",
        json={
            "rules": [*mandate["rules"], proposal["suggested_rule"]],
            "summary": "Community administrations in Brussels, as triage decided",
            "adopted_proposals": [proposal["id"]],
        },
        headers=admin,
    )
    decided_alone = await decide_over_the_bus(brussels_tie())

    assert proposal["status"] == "proposed"
    assert proposal["lead_institution_id"] == "be-wallonie"
    assert proposal["engine_reason"] == "equally-ranked-leads"
    assert proposal["candidates"] == ["be-vlaanderen", "be-wallonie"]
    assert proposal["facts"]["territory"] == "BE-BRU"
    assert proposal["suggested_rule"]["territories"] == ["BE-BRU"]
    assert [p["id"] for p in own.json()] == [proposal["id"]]
    assert others.json() == []
    assert still_tied["outcome"] == "triage"
    assert adopted.status_code == 200, adopted.text
    assert decided_alone["outcome"] == "competent"
    assert decided_alone["competent"][0]["institution_id"] == "be-wallonie"
    after = (await client.get("/internal/triage/proposals", headers=admin)).json()
    assert (after[0]["status"], after[0]["adopted_in_version"]) == (
        "adopted",
        adopted.json()["registry_version"],
    )


async def test_a_proposal_is_adopted_only_once_and_only_into_its_own_institution(
    client: httpx.AsyncClient, decide_over_the_bus: Decide, headers_for: Headers, brussels_tie: Tie
) -> None:
    event = brussels_tie()
    await decide_over_the_bus(event)
    await triage(
        client, event.reference, headers_for("institution", "be-vlaanderen", "cases:write")
    )
    admin = headers_for("admin", None)
    [proposal] = (await client.get("/internal/triage/proposals", headers=admin)).json()
    mandate = (await client.get("/internal/institutions/be-vlaanderen/mandate")).json()

    response = await client.put(
        "/internal/institutions/be-vlaanderen/mandate",
        json={"rules": mandate["rules"], "summary": "x", "adopted_proposals": [proposal["id"]]},
        headers=admin,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "adopted_proposals"
