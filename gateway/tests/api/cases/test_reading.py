"""Cases: the complainant follows one with the receipt; an institution lists and reads its own."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseFilters, MessageDraft
from nowrongdoor.contracts.vocabulary import CaseStatus

from ...api_clients import access_token, bearer, register
from ...fakes import FakeServices, complaint
from .parties import CNDH, MEDIATEUR, held, institution_headers, routed


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
        ("ma-mediateur", CaseFilters()),
    )


async def test_listing_cases_is_for_institutions_and_ngos_with_cases_read(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    ngo = await register(app, kind="ngo", institution="sherpa", scopes=("cases:read",))
    unscoped = await institution_headers(app, client, "ma-mediateur", "complaints:write")

    anonymous = await client.get("/v1/cases")
    no_scope = await client.get("/v1/cases", headers=unscoped)
    as_ngo = await client.get("/v1/cases", headers=bearer(await access_token(client, ngo)))

    assert anonymous.status_code == 401
    assert no_scope.status_code == 403
    assert no_scope.json()["type"] == "/problems/insufficient-scope"
    # An NGO lists the cases whose alert it relayed, which case tracking knows.
    assert as_ngo.status_code == 200, as_ngo.text
    assert [(call.operation, call.caller.kind) for call in services.calls] == [
        ("institution_cases", "ngo")
    ]


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


async def test_the_case_view_is_documented_with_the_moment_it_is_being_opened(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    follow = paths["/v1/cases/{reference}"]["get"]
    assert {"200", "404", "409"} <= set(follow["responses"])
    assert "Retry-After" in follow["description"]


async def test_an_institution_reads_its_case_with_the_tag_to_change_it_by(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services, MEDIATEUR, CNDH)
    headers = await institution_headers(app, client, "ma-mediateur", "cases:read")

    seen = await client.get(f"/v1/cases/{reference}", headers=headers)
    followed = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})

    assert seen.status_code == 200
    assert seen.headers["etag"] == services.cases.tracked[reference].etag
    assert seen.headers["cache-control"] == "no-store"
    parts = {part["institution_id"]: part for part in seen.json()["parts"]}
    assert parts["ma-mediateur"]["allowed"] == ["acknowledged", "transferred"]
    assert services.cases.calls[-2].operation == "case_answer"
    assert followed.status_code == 200
    assert "etag" not in followed.headers
    assert followed.json()["parts"] is None


async def test_the_complainant_sees_the_promised_dates_and_the_messages_meant_for_them(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    tracked = services.cases.tracked[reference]
    institution = services.cases.tracked[reference].parts[0]
    asked = MessageDraft(body="Which commune office did you visit?", audience="complainant")
    note = MessageDraft(body="Call the commune first.", audience="internal")
    for draft in (asked, note):
        await services.cases.post_message(_staff(institution.institution_id), reference, draft)

    case = (await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})).json()

    assert case["promised"] == [
        {
            "institution_id": "ma-mediateur",
            "standard": "acknowledge",
            "due": (tracked.opened_at.date() + timedelta(days=14)).isoformat(),
            "met_on": None,
            "paused": False,
            "breached": False,
        }
    ]
    assert [message["body"] for message in case["messages"]] == [asked.body]


async def test_filters_narrow_the_list_and_reach_case_tracking_as_given(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    in_casablanca, _ = routed(services)
    routed(services, respondent={"name": "Wali", "type": "local-authority", "territory": "MA-01"})
    routed(services, category="corruption")
    services.cases.tracked[in_casablanca].overdue = True
    headers = await institution_headers(app, client, "ma-mediateur", "cases:read")
    since = datetime.now(UTC) - timedelta(hours=1)
    query = {
        "status": "routed",
        "category": "maladministration",
        "territory": "MA-06",
        "overdue": "true",
        "received_from": since.replace(tzinfo=None).isoformat(),
        "received_until": (since + timedelta(days=1)).isoformat(),
    }

    listed = await client.get("/v1/cases", params=query, headers=headers)

    assert listed.status_code == 200
    assert [item["reference"] for item in listed.json()["items"]] == [in_casablanca]
    assert services.cases.calls[-1].sent == (
        "ma-mediateur",
        CaseFilters(
            status=CaseStatus.ROUTED,
            category="maladministration",
            territory="MA-06",
            overdue=True,
            received_from=since,
            received_until=since + timedelta(days=1),
        ),
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"category": "parking"}, "category"),
        ({"territory": "Casablanca"}, "territory"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"received_from": "2026-12-02T00:00:00Z", "received_until": "2026-12-01T00:00:00Z"}, None),
    ],
)
async def test_a_filter_that_cannot_be_applied_is_refused_before_case_tracking_is_asked(
    app: FastAPI,
    client: httpx.AsyncClient,
    services: FakeServices,
    query: dict[str, str],
    field: str | None,
) -> None:
    headers = await institution_headers(app, client, "ma-mediateur", "cases:read")

    response = await client.get("/v1/cases", params=query, headers=headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == (field or "received_until")
    assert services.count("institution_cases") == 0


async def test_case_tracking_down_is_a_503_for_readers_of_every_kind(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    headers = await institution_headers(app, client, "ma-mediateur", "cases:read")
    services.down.add("case-tracking")

    answers = [
        await client.get("/v1/cases", headers=headers),
        await client.get(f"/v1/cases/{reference}", headers=headers),
        await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt}),
    ]

    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert {answer.headers["retry-after"] for answer in answers} == {"5"}


async def test_the_reading_routes_are_documented_with_their_filters_and_tag(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    listing = paths["/v1/cases"]["get"]
    named = {parameter["name"] for parameter in listing["parameters"]}
    assert {"status", "category", "territory", "overdue", "received_from", "received_until"} <= (
        named
    )
    assert {"401", "403", "422", "503"} <= set(listing["responses"])
    follow = paths["/v1/cases/{reference}"]["get"]
    assert "ETag" in follow["responses"]["200"]["headers"]
    assert {"404", "409", "503"} <= set(follow["responses"])


def _staff(institution_id: str) -> Principal:
    return Principal(
        client_id="staff",
        kind="institution",
        institution_id=institution_id,
        scopes=frozenset({"cases:read", "cases:write"}),
    )
