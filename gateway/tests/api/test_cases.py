"""Cases: the complainant follows one with the receipt; an institution lists and reads its own."""

from typing import Any

import httpx
from fastapi import FastAPI

from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.contracts.routing import InstitutionSummary

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices, complaint

MEDIATEUR = InstitutionSummary(institution_id="ma-mediateur", name="Médiateur", role="lead")
CNDH = InstitutionSummary(institution_id="ma-cndh", name="CNDH", role="associated")


def held(services: FakeServices, **overrides: Any) -> tuple[str, str]:
    """A complaint intake already holds: its reference and receipt."""
    submission = ComplaintSubmission.model_validate(complaint(**overrides))
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    return accepted.reference, accepted.receipt


async def institution_headers(
    app: FastAPI, client: httpx.AsyncClient, institution: str, *scopes: str
) -> dict[str, str]:
    registered = await register(app, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


async def test_the_complainant_follows_the_case_case_tracking_answers(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()
    view = services.cases.routed(accepted["reference"], MEDIATEUR, CNDH)

    response = await client.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == view.model_dump(mode="json")
    asked = services.cases.calls[-1].caller
    assert asked.kind == "public"
    assert asked.may_open_as_complainant(accepted["reference"])


async def test_a_case_just_opened_is_shown_as_case_tracking_has_it(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()

    response = await client.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )

    assert response.status_code == 200
    case = response.json()
    assert (case["status"], case["institutions"]) == ("received", [])
    assert [entry["kind"] for entry in case["timeline"]] == ["received"]
    assert case == services.cases.tracked[accepted["reference"]].view.model_dump(mode="json")


async def test_a_case_not_yet_opened_asks_to_come_back_in_a_second(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.cases_open_at_once = False
    accepted = (await client.post("/v1/complaints", json=complaint())).json()

    response = await client.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["type"] == "/problems/case-being-opened"
    services.cases.opened(accepted["reference"], "fr")
    again = await client.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )
    assert again.status_code == 200


async def test_wrong_receipt_unknown_reference_and_missing_receipt_look_the_same(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()
    wrong = "0000000000000000" if accepted["receipt"] != "0000000000000000" else "1" * 16

    answers = [
        await client.get(f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": wrong}),
        await client.get("/v1/cases/NWD-0000000000AA", headers={"X-Receipt": accepted["receipt"]}),
        await client.get(f"/v1/cases/{accepted['reference']}"),
        await client.get("/v1/cases/not-a-reference", headers={"X-Receipt": "x"}),
    ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    assert services.cases.calls == []


async def test_an_institution_follows_only_the_cases_it_has_a_part_in(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _receipt = held(services)
    services.cases.routed(reference, MEDIATEUR)
    ours = await institution_headers(app, client, "ma-mediateur", "cases:read")
    theirs = await institution_headers(app, client, "ma-cndh", "cases:read")
    unscoped = await institution_headers(app, client, "ma-mediateur", "complaints:write")

    seen = await client.get(f"/v1/cases/{reference}", headers=ours)
    elsewhere = await client.get(f"/v1/cases/{reference}", headers=theirs)
    unknown = await client.get("/v1/cases/NWD-0000000000AA", headers=ours)
    no_scope = await client.get(f"/v1/cases/{reference}", headers=unscoped)

    assert seen.status_code == 200
    assert seen.json()["institutions"][0]["institution_id"] == "ma-mediateur"
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.json() == unknown.json()
    assert no_scope.status_code == 403
    assert [call.caller.institution_id for call in services.cases.calls] == [
        "ma-mediateur",
        "ma-cndh",
        "ma-mediateur",
    ]


async def test_an_institution_lists_its_own_cases_a_page_at_a_time(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    references = [held(services)[0] for _ in range(3)]
    for reference in references:
        services.cases.routed(reference, MEDIATEUR)
    services.cases.routed(held(services)[0], CNDH.model_copy(update={"role": "lead"}))
    headers = await institution_headers(app, client, "ma-mediateur", "cases:read")

    first = await client.get("/v1/cases", params={"limit": 2}, headers=headers)
    cursor = first.json()["next_cursor"]
    rest = await client.get("/v1/cases", params={"limit": 2, "cursor": cursor}, headers=headers)
    bad_cursor = await client.get("/v1/cases", params={"cursor": "forged"}, headers=headers)

    assert first.status_code == rest.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    listed = [item["reference"] for item in first.json()["items"] + rest.json()["items"]]
    assert sorted(listed) == sorted(references)
    assert rest.json()["next_cursor"] is None
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"] == [
        {"field": "cursor", "message": "Not a cursor this list handed out"}
    ]
    asked = services.cases.calls[0]
    assert (asked.caller.kind, asked.caller.institution_id, asked.sent) == (
        "institution",
        "ma-mediateur",
        "ma-mediateur",
    )


async def test_listing_cases_is_for_institutions_with_cases_read(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    ngo = await register(app, kind="ngo", institution="sherpa", scopes=("cases:read",))
    unscoped = await institution_headers(app, client, "ma-mediateur", "complaints:write")

    anonymous = await client.get("/v1/cases")
    as_ngo = await client.get("/v1/cases", headers=bearer(await access_token(client, ngo)))
    no_scope = await client.get("/v1/cases", headers=unscoped)

    assert anonymous.status_code == 401
    assert as_ngo.status_code == 403
    assert no_scope.status_code == 403
    assert no_scope.json()["type"] == "/problems/insufficient-scope"
    assert services.calls == []


async def test_a_competent_institution_reads_the_complaint_and_no_one_else(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _receipt = held(services, received_by="ma-cndh")
    services.intake.competent[reference] = ["ma-mediateur"]
    ours = await institution_headers(app, client, "ma-mediateur", "cases:read")
    theirs = await institution_headers(app, client, "ma-cndh", "cases:read")

    read = await client.get(f"/v1/cases/{reference}/complaint", headers=ours)
    elsewhere = await client.get(f"/v1/cases/{reference}/complaint", headers=theirs)
    anonymous = await client.get(f"/v1/cases/{reference}/complaint")

    assert read.status_code == 200
    assert read.headers["cache-control"] == "no-store"
    assert read.json()["description"] == complaint()["description"]
    assert read.json()["received_by"] == "ma-cndh"
    assert elsewhere.status_code == 404
    assert anonymous.status_code == 401
    readers = [call.caller.institution_id for call in services.intake.calls[-2:]]
    assert readers == ["ma-mediateur", "ma-cndh"]


async def test_the_complainant_comes_back_once_the_administration_was_contacted(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = held(services, administration_contacted=False)
    services.intake.awaiting_prerequisite.add(reference)
    url = f"/v1/cases/{reference}/resubmission"
    body = {"administration_contacted": True}

    wrong = await client.post(url, json=body, headers={"X-Receipt": "1" * 16})
    resubmitted = await client.post(url, json=body, headers={"X-Receipt": receipt})
    again = await client.post(url, json=body, headers={"X-Receipt": receipt})

    assert wrong.status_code == 404
    assert resubmitted.status_code == 202
    assert resubmitted.json() == {"reference": reference, "status": "resubmitted"}
    assert services.intake.awaiting_prerequisite == set()
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/not-waiting-for-prerequisite"
    assert {call.caller.kind for call in services.intake.calls} == {"public"}


async def test_an_invalid_token_sent_with_a_resubmission_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = held(services, administration_contacted=False)
    services.intake.awaiting_prerequisite.add(reference)

    response = await client.post(
        f"/v1/cases/{reference}/resubmission",
        json={"administration_contacted": True},
        headers={"X-Receipt": receipt, "Authorization": "Bearer not.a.token"},
    )

    assert response.status_code == 401
    assert services.intake.awaiting_prerequisite == {reference}
    assert services.count("resubmit") == 0


async def test_the_case_view_is_documented_with_the_moment_it_is_being_opened(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    follow = paths["/v1/cases/{reference}"]["get"]
    assert {"200", "404", "409"} <= set(follow["responses"])
    assert "Retry-After" in follow["description"]
