"""Messages: the complainant writes with the receipt, always to the case's institutions; an
institution with a part writes to the complainant, the other institutions, or itself."""

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.contracts.cases import MessageDraft

from ...fakes import FakeServices, complaint
from .parties import CNDH, MEDIATEUR, UNKNOWN, client_headers, institution_headers, routed, wrong

ANSWER = {"body": "Voici le numéro de dossier: 4411-B."}


def url(reference: str) -> str:
    return f"/v1/cases/{reference}/messages"


async def test_the_complainant_writes_with_the_receipt_and_reads_it_in_the_case(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    posted = await client.post(url(reference), json=ANSWER, headers={"X-Receipt": receipt})
    followed = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})

    assert posted.status_code == 201
    assert posted.headers["cache-control"] == "no-store"
    message = posted.json()
    assert (message["author"], message["audience"], message["body"]) == (
        "complainant",
        "complainant",
        ANSWER["body"],
    )
    assert message["institution_id"] is None
    assert followed.json()["messages"] == [message]
    asked = services.cases.calls[-2]
    assert (asked.operation, asked.sent) == ("post_message", MessageDraft(**ANSWER))
    assert asked.caller.kind == "public"
    assert asked.caller.may_open_as_complainant(reference)
    assert asked.caller.institution_id is None


@pytest.mark.parametrize("audience", ["institutions", "internal", "everyone"])
async def test_the_complainant_may_write_to_no_other_audience(
    client: httpx.AsyncClient, services: FakeServices, audience: str
) -> None:
    reference, receipt = routed(services)

    response = await client.post(
        url(reference), json=ANSWER | {"audience": audience}, headers={"X-Receipt": receipt}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "audience"
    assert services.calls == []


async def test_the_complainant_says_so_explicitly_and_it_is_the_same(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    posted = await client.post(
        url(reference), json=ANSWER | {"audience": "complainant"}, headers={"X-Receipt": receipt}
    )

    assert posted.status_code == 201
    assert posted.json()["audience"] == "complainant"


async def test_a_wrong_receipt_an_unknown_reference_and_no_receipt_look_the_same(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    answers = [
        await client.post(url(reference), json=ANSWER, headers={"X-Receipt": wrong(receipt)}),
        await client.post(url(UNKNOWN), json=ANSWER, headers={"X-Receipt": receipt}),
        await client.post(url(reference), json=ANSWER),
        await client.post(url(reference), json=ANSWER, headers={"X-Receipt": "not-a-receipt"}),
    ]

    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1
    assert services.cases.calls == []
    assert services.cases.tracked[reference].messages == []


@pytest.mark.parametrize("audience", ["complainant", "institutions", "internal"])
async def test_an_institution_with_a_part_writes_to_any_audience(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, audience: str
) -> None:
    reference, receipt = routed(services, MEDIATEUR, CNDH)
    headers = await institution_headers(app, client, "ma-cndh", "cases:write")
    draft = {"body": "Please send the commune's reply.", "audience": audience}

    posted = await client.post(url(reference), json=draft, headers=headers)
    followed = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})

    assert posted.status_code == 201
    assert (posted.json()["author"], posted.json()["institution_id"]) == ("institution", "ma-cndh")
    assert posted.json()["audience"] == audience
    asked = services.cases.calls[-2]
    assert (asked.caller.kind, asked.caller.institution_id) == ("institution", "ma-cndh")
    assert asked.sent == MessageDraft.model_validate(draft)
    seen_by_complainant = [m["body"] for m in followed.json()["messages"]]
    assert seen_by_complainant == ([draft["body"]] if audience == "complainant" else [])


async def test_only_an_institution_with_a_part_and_cases_write_writes_as_one(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    other = await institution_headers(app, client, "ma-cndh", "cases:write")
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    ngo = await client_headers(app, client, "ngo", "sherpa", "cases:write")
    note = {"body": "An internal note.", "audience": "internal"}

    elsewhere = await client.post(url(reference), json=note, headers=other)
    unknown = await client.post(url(UNKNOWN), json=note, headers=other)
    read_only = await client.post(url(reference), json=note, headers=reader)
    as_ngo = await client.post(url(reference), json=note, headers=ngo)
    invalid_token = await client.post(
        url(reference), json=note, headers={"Authorization": "Bearer not.a.token"}
    )

    # An NGO writes only in the cases whose alert it relayed: case tracking knows which.
    assert elsewhere.status_code == unknown.status_code == as_ngo.status_code == 404
    assert elsewhere.json() == unknown.json() == as_ngo.json()
    assert read_only.status_code == 403
    assert invalid_token.status_code == 401
    assert services.cases.tracked[reference].messages == []
    assert [call.caller.institution_id for call in services.cases.calls] == [
        "ma-cndh",
        "ma-cndh",
        "sherpa",
    ]


async def test_a_finished_case_takes_no_more_messages(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    withdrawn = await client.post(f"/v1/cases/{reference}/withdraw", headers={"X-Receipt": receipt})

    response = await client.post(url(reference), json=ANSWER, headers={"X-Receipt": receipt})

    assert withdrawn.status_code == 200
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/case-finished"
    assert services.cases.tracked[reference].messages == []


async def test_a_message_the_moment_after_filing_asks_to_come_back(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.cases_open_at_once = False
    filed = (await client.post("/v1/complaints", json=complaint())).json()

    response = await client.post(
        url(filed["reference"]), json=ANSWER, headers={"X-Receipt": filed["receipt"]}
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/case-being-opened"
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("service", ["intake", "case-tracking"])
async def test_a_service_down_is_a_503_and_no_message_is_kept(
    client: httpx.AsyncClient, services: FakeServices, service: str
) -> None:
    reference, receipt = routed(services)
    services.down.add(service)

    response = await client.post(url(reference), json=ANSWER, headers={"X-Receipt": receipt})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert services.cases.tracked[reference].messages == []


async def test_messages_are_documented_for_both_writers(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"][
        "/v1/cases/{reference}/messages"
    ]["post"]

    assert {"201", "401", "403", "404", "409", "422", "503"} <= set(operation["responses"])
    assert {"X-Receipt"} <= {p["name"] for p in operation["parameters"]}
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert {example["value"].get("audience", "complainant") for example in examples.values()} == {
        "complainant",
        "institutions",
        "internal",
    }
    assert {} in operation["security"]
