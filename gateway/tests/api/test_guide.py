"""The citizens' guide at the public edge, over a stand-in routing."""

import httpx

from nowrongdoor.contracts.routing import GuideAnswers

from ..fakes import FakeServices

ANSWERS = {
    "category": "maladministration",
    "respondent_type": "local-authority",
    "territory": "MA-06",
    "complainant_role": "citizen",
    "administration_contacted": True,
    "court_case_pending": False,
}


async def test_the_guide_is_asked_and_answered_without_a_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    questions = await client.get("/v1/guide", params={"lang": "fr"})
    answered = await client.post("/v1/guide/answers", params={"lang": "fr"}, json=ANSWERS)

    assert questions.status_code == 200
    assert questions.json()["questions"][0]["text"] == "Contre qui porte votre plainte ?"
    assert questions.headers["cache-control"].startswith("public")
    assert answered.status_code == 200
    assert answered.json()["institutions"][0]["name"] == "Institution du Médiateur du Royaume"
    assert answered.headers["cache-control"] == "no-store"
    asked = services.routing.calls[-1]
    assert asked.caller.kind == "public"
    assert isinstance(asked.sent, GuideAnswers)
    assert asked.sent.model_dump() == ANSWERS | {"anonymous": False, "received_by": None}


async def test_bad_guide_answers_are_named_and_never_forwarded(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.post(
        "/v1/guide/answers",
        params={"lang": "es"},
        json={"category": "gossip", "territory": "Casablanca"},
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"lang", "category", "territory", "respondent_type"} <= fields
    assert services.calls == []


async def test_routing_down_is_a_clear_503(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("routing")

    response = await client.get("/v1/guide")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
