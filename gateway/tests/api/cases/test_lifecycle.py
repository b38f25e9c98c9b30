"""Working a case: an institution moves or transfers its part with `If-Match`; the complainant
withdraws with the receipt, or comes back once a missing step is done."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.contracts.cases import StatusChange, Transfer, Withdrawal

from ...fakes import FakeServices
from .parties import (
    CNDH,
    MEDIATEUR,
    UNKNOWN,
    client_headers,
    held,
    institution_headers,
    routed,
    wrong,
)

ACKNOWLEDGE = {"status": "acknowledged", "handler": "Service des réclamations"}
TO_CNDH = {"reason": "A question of human rights.", "to_institution_id": "ma-cndh"}


async def writer(app: FastAPI, client: httpx.AsyncClient, institution: str) -> dict[str, str]:
    return await institution_headers(app, client, institution, "cases:read", "cases:write")


async def tag_of(client: httpx.AsyncClient, reference: str, headers: dict[str, str]) -> str:
    read = await client.get(f"/v1/cases/{reference}", headers=headers)
    assert read.status_code == 200, read.text
    return read.headers["etag"]


async def test_an_institution_takes_the_next_step_with_the_tag_it_read(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    tag = await tag_of(client, reference, headers)

    moved = await client.post(
        f"/v1/cases/{reference}/status", json=ACKNOWLEDGE, headers=headers | {"If-Match": tag}
    )

    assert moved.status_code == 200
    assert moved.headers["cache-control"] == "no-store"
    assert moved.headers["etag"] == services.cases.tracked[reference].etag != tag
    assert moved.json()["status"] == "acknowledged"
    assert moved.json()["parts"][0]["handler"] == "Service des réclamations"
    asked = services.cases.calls[-1]
    assert (asked.operation, asked.if_match, asked.sent) == (
        "change_status",
        tag,
        StatusChange.model_validate(ACKNOWLEDGE),
    )
    assert (asked.caller.kind, asked.caller.institution_id) == ("institution", "ma-mediateur")
    again = await client.get(f"/v1/cases/{reference}", headers=headers)
    assert again.headers["etag"] == moved.headers["etag"]


async def test_a_stale_tag_is_refused_with_412_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    stale = await tag_of(client, reference, headers)
    first = await client.post(
        f"/v1/cases/{reference}/status", json=ACKNOWLEDGE, headers=headers | {"If-Match": stale}
    )

    second = await client.post(
        f"/v1/cases/{reference}/status",
        json={"status": "admissible"},
        headers=headers | {"If-Match": stale},
    )

    assert first.status_code == 200
    assert second.status_code == 412
    assert second.json()["type"] == "/problems/precondition-failed"
    assert second.headers["cache-control"] == "no-store"
    assert services.cases.tracked[reference].view.status == "acknowledged"
    assert services.cases.calls[-1].if_match == stale


@pytest.mark.parametrize(
    ("path", "body"), [("status", ACKNOWLEDGE), ("transfer", TO_CNDH)], ids=["status", "transfer"]
)
async def test_a_change_without_if_match_is_428_and_never_reaches_case_tracking(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, path: str, body: dict[str, Any]
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")

    response = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=headers)
    unknown = await client.post(f"/v1/cases/{UNKNOWN}/{path}", json=body, headers=headers)

    assert response.status_code == 428
    assert response.json()["type"] == "/problems/precondition-required"
    assert response.headers["cache-control"] == "no-store"
    assert (unknown.status_code, unknown.json()) == (428, response.json())
    assert services.cases.calls == []


async def test_a_step_not_allowed_now_is_relayed_with_the_allowed_ones(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    tag = await tag_of(client, reference, headers)

    response = await client.post(
        f"/v1/cases/{reference}/status",
        json={"status": "resolved", "outcome": "upheld", "reason": "Done."},
        headers=headers | {"If-Match": tag},
    )

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/illegal-transition"
    assert problem["errors"] == [
        {"field": "status", "message": "acknowledged"},
        {"field": "status", "message": "transferred"},
    ]
    assert "acknowledged" in problem["detail"]


async def test_a_step_missing_what_the_complainant_must_read_is_relayed_as_422(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    for step in ("acknowledged", "admissible", "investigating"):
        tag = await tag_of(client, reference, headers)
        await client.post(
            f"/v1/cases/{reference}/status",
            json={"status": step},
            headers=headers | {"If-Match": tag},
        )
    tag = await tag_of(client, reference, headers)

    response = await client.post(
        f"/v1/cases/{reference}/status",
        json={"status": "resolved", "reason": "The certificate was issued."},
        headers=headers | {"If-Match": tag},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "outcome", "message": "An outcome is required to resolve"}
    ]
    assert services.cases.tracked[reference].view.status == "investigating"


@pytest.mark.parametrize(
    ("path", "body"), [("status", ACKNOWLEDGE), ("transfer", TO_CNDH)], ids=["status", "transfer"]
)
async def test_only_an_institution_with_a_part_and_cases_write_changes_a_case(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, path: str, body: dict[str, Any]
) -> None:
    reference, receipt = routed(services)
    tag = {"If-Match": services.cases.tracked[reference].etag}
    other = await writer(app, client, "ma-cndh")
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    ngo = await client_headers(app, client, "ngo", "sherpa", "cases:write")

    anonymous = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=tag)
    with_receipt = await client.post(
        f"/v1/cases/{reference}/{path}", json=body, headers=tag | {"X-Receipt": receipt}
    )
    as_ngo = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=ngo | tag)
    read_only = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=reader | tag)
    elsewhere = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=other | tag)
    unknown = await client.post(f"/v1/cases/{UNKNOWN}/{path}", json=body, headers=other | tag)

    assert anonymous.status_code == with_receipt.status_code == 401
    assert as_ngo.status_code == read_only.status_code == 403
    assert read_only.json()["type"] == "/problems/insufficient-scope"
    assert elsewhere.status_code == 404
    assert (elsewhere.json(), elsewhere.headers["cache-control"]) == (
        unknown.json(),
        unknown.headers["cache-control"],
    )
    assert services.cases.tracked[reference].view.status == "routed"
    assert [call.caller.institution_id for call in services.cases.calls] == ["ma-cndh"] * 2


async def test_an_institution_transfers_its_part_to_the_one_it_believes_competent(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    tag = await tag_of(client, reference, headers)

    moved = await client.post(
        f"/v1/cases/{reference}/transfer", json=TO_CNDH, headers=headers | {"If-Match": tag}
    )
    followed = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})

    assert moved.status_code == 200
    assert moved.headers["etag"] == services.cases.tracked[reference].etag
    assert moved.headers["cache-control"] == "no-store"
    asked = services.cases.calls[-2]
    assert (asked.operation, asked.sent, asked.if_match) == (
        "transfer",
        Transfer.model_validate(TO_CNDH),
        tag,
    )
    assert [i["institution_id"] for i in followed.json()["institutions"]] == ["ma-cndh"]
    assert followed.json()["timeline"][-1]["summary"].endswith("A question of human rights.")
    after = await client.get(f"/v1/cases/{reference}", headers=headers)
    assert after.status_code == 404


async def test_a_transfer_naming_no_institution_hands_the_case_back_to_routing(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    tag = await tag_of(client, reference, headers)

    response = await client.post(
        f"/v1/cases/{reference}/transfer",
        json={"reason": "Not ours."},
        headers=headers | {"If-Match": tag},
    )
    followed = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == services.cases.tracked[reference].etag != tag
    asked = services.cases.calls[-2]
    # Nobody named: case tracking hands the part back to routing to decide again.
    assert (asked.operation, asked.sent) == ("transfer", Transfer(reason="Not ours."))
    assert followed.json()["status"] == "received"
    assert followed.json()["institutions"] == []
    assert followed.json()["timeline"][-1]["summary"].endswith("Not ours.")


async def test_a_transfer_without_a_reason_is_refused_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    tag = await tag_of(client, reference, headers)

    response = await client.post(
        f"/v1/cases/{reference}/transfer", json={}, headers=headers | {"If-Match": tag}
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assert services.count("transfer") == 0
    assert services.cases.tracked[reference].etag == tag


async def test_naming_an_institution_already_in_the_case_is_relayed_as_a_conflict(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services, MEDIATEUR, CNDH)
    headers = await writer(app, client, "ma-mediateur")
    tag = await tag_of(client, reference, headers)

    response = await client.post(
        f"/v1/cases/{reference}/transfer", json=TO_CNDH, headers=headers | {"If-Match": tag}
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/already-taking-part"
    assert response.headers["cache-control"] == "no-store"
    assert services.cases.tracked[reference].etag == tag


async def test_the_complainant_withdraws_with_the_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services, MEDIATEUR, CNDH)

    withdrawn = await client.post(
        f"/v1/cases/{reference}/withdraw",
        json={"reason": "The commune answered me."},
        headers={"X-Receipt": receipt},
    )
    again = await client.post(
        f"/v1/cases/{reference}/withdraw", json={}, headers={"X-Receipt": receipt}
    )

    assert withdrawn.status_code == 200
    assert withdrawn.headers["cache-control"] == "no-store"
    assert withdrawn.json()["status"] == "withdrawn"
    asked = services.cases.calls[-2]
    assert asked.sent == Withdrawal(reason="The commune answered me.")
    assert asked.caller.kind == "public"
    assert asked.caller.may_open_as_complainant(reference)
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/illegal-transition"


async def test_a_withdrawal_needs_no_body(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    withdrawn = await client.post(f"/v1/cases/{reference}/withdraw", headers={"X-Receipt": receipt})

    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert services.cases.calls[-1].sent == Withdrawal()


async def test_only_the_receipt_withdraws_and_every_miss_looks_the_same(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    staff = await writer(app, client, "ma-mediateur")

    answers = [
        await client.post(f"/v1/cases/{reference}/withdraw", headers={"X-Receipt": wrong(receipt)}),
        await client.post(f"/v1/cases/{UNKNOWN}/withdraw", headers={"X-Receipt": receipt}),
        await client.post(f"/v1/cases/{reference}/withdraw"),
        await client.post(f"/v1/cases/{reference}/withdraw", headers=staff),
    ]

    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1
    assert {answer.headers["cache-control"] for answer in answers} == {"no-store"}
    assert services.cases.calls == []
    assert services.cases.tracked[reference].view.status == "routed"


async def test_a_withdrawal_the_moment_after_filing_asks_to_come_back(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.cases_open_at_once = False
    reference, receipt = held(services)

    response = await client.post(
        f"/v1/cases/{reference}/withdraw", json={}, headers={"X-Receipt": receipt}
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/case-being-opened"
    assert response.headers["retry-after"] == "1"


async def test_case_tracking_down_is_a_503_and_nothing_changes(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    headers = await writer(app, client, "ma-mediateur")
    tag = {"If-Match": services.cases.tracked[reference].etag}
    services.down.add("case-tracking")

    answers = [
        await client.post(f"/v1/cases/{reference}/status", json=ACKNOWLEDGE, headers=headers | tag),
        await client.post(f"/v1/cases/{reference}/transfer", json=TO_CNDH, headers=headers | tag),
        await client.post(f"/v1/cases/{reference}/withdraw", headers={"X-Receipt": receipt}),
    ]

    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert services.cases.tracked[reference].view.status == "routed"


async def test_the_changes_are_documented_with_if_match_required_and_every_refusal(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    for path in ("/v1/cases/{reference}/status", "/v1/cases/{reference}/transfer"):
        operation = paths[path]["post"]
        [if_match] = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert (if_match["in"], if_match["required"]) == ("header", True)
        assert {"200", "401", "403", "404", "409", "412", "422", "428", "503"} <= set(
            operation["responses"]
        )
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert operation["requestBody"]["content"]["application/json"]["examples"]
    withdraw = paths["/v1/cases/{reference}/withdraw"]["post"]
    assert {"200", "404", "409", "422", "503"} <= set(withdraw["responses"])
    assert {p["name"] for p in withdraw["parameters"]} >= {"X-Receipt"}
    assert {} in withdraw["security"]


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
