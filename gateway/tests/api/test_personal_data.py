"""The complainant's own personal data: exported or erased with the reference and receipt."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.edge.receipt_guard import ReceiptGuard, case_not_found
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.ids import new_receipt, new_reference

from ..fakes import FakeServices

IDENTIFIED = {
    "description": "The prefecture has kept my passport for a year without a decision.",
    "category": "maladministration",
    "respondent": {"name": "Préfecture", "type": "national-administration", "territory": "MA-06"},
    "complainant": {
        "role": "citizen",
        "anonymous": False,
        "name": "Amina El Idrissi",
        "email": "amina@example.org",
        "phone": "+212 600 000 000",
    },
    "administration_contacted": True,
    "court_case_pending": False,
    "language": "fr",
}


def filed(services: FakeServices) -> tuple[str, str]:
    """A complaint intake already holds: its reference and receipt."""
    submission = ComplaintSubmission.model_validate(IDENTIFIED)
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    return accepted.reference, accepted.receipt


def url(reference: str) -> str:
    return f"/v1/cases/{reference}/personal-data"


async def test_the_complainant_exports_their_personal_data_with_the_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)

    response = await client.get(url(reference), headers={"X-Receipt": receipt})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    exported = response.json()
    assert exported["identity"] == {
        "name": "Amina El Idrissi",
        "email": "amina@example.org",
        "phone": "+212 600 000 000",
    }
    assert exported["description"] == IDENTIFIED["description"]
    assert exported["respondent_name"] == "Préfecture"
    assert exported["erased"] is False
    assert exported["channel"] == "web"
    [asked] = services.intake.calls
    assert (asked.operation, asked.caller.kind, asked.caller.client_id) == (
        "export_personal_data",
        "public",
        "public",
    )


async def test_erasing_answers_what_is_left_and_the_export_shows_it_erased(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)

    erased = await client.delete(url(reference), headers={"X-Receipt": receipt})
    exported = await client.get(url(reference), headers={"X-Receipt": receipt})

    assert erased.status_code == 200
    assert erased.headers["cache-control"] == "no-store"
    assert erased.json()["erased"] is True
    after = exported.json()
    assert after["erased"] is True
    assert after["erasure_reason"] == "request"
    assert (after["identity"], after["description"], after["respondent_name"]) == (None,) * 3
    assert after["category"] == "maladministration"
    assert "Amina" not in exported.text
    assert services.intake.erased == [reference]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_every_miss_is_the_same_404_and_nothing_is_erased(
    client: httpx.AsyncClient, services: FakeServices, method: str
) -> None:
    reference, receipt = filed(services)
    _other_reference, other_receipt = filed(services)
    attempts: list[tuple[str, dict[str, str]]] = [
        (reference, {"X-Receipt": other_receipt}),
        (new_reference(), {"X-Receipt": receipt}),
        (reference, {"X-Receipt": "not-a-receipt"}),
        (reference, {}),
        ("NWD-not-a-reference", {"X-Receipt": receipt}),
    ]

    responses = [
        await client.request(method, url(ref), headers=headers) for ref, headers in attempts
    ]

    assert {r.status_code for r in responses} == {404}
    assert len({r.text for r in responses}) == 1
    assert responses[0].headers["content-type"] == "application/problem+json"
    assert responses[0].headers["cache-control"] == "no-store"
    assert services.intake.erased == []


async def test_wrong_receipts_count_towards_the_guard_and_a_right_one_clears_it(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    seen: list[tuple[str, str]] = []

    class RecordingGuard(ReceiptGuard):
        def __init__(self) -> None:
            pass  # no Redis: the three steps below are all `guarded` uses

        async def before_check(self, reference: str) -> None:
            seen.append(("before", reference))

        async def record_failure(self, reference: str) -> None:
            seen.append(("failure", reference))

        async def record_success(self, reference: str) -> None:
            seen.append(("success", reference))

    app.state.receipt_guard = RecordingGuard()

    wrong = await client.get(url(reference), headers={"X-Receipt": new_receipt()})
    right = await client.delete(url(reference), headers={"X-Receipt": receipt})

    assert (wrong.status_code, right.status_code) == (404, 200)
    assert seen == [
        ("before", reference),
        ("failure", reference),
        ("before", reference),
        ("success", reference),
    ]


async def test_a_locked_reference_answers_like_a_wrong_receipt(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    wrong = await client.get(url(reference), headers={"X-Receipt": new_receipt()})

    class LockedGuard(ReceiptGuard):
        def __init__(self) -> None:
            pass  # no Redis: a locked reference never gets past `before_check`

        async def before_check(self, reference: str) -> None:
            raise case_not_found()

    app.state.receipt_guard = LockedGuard()
    locked = await client.delete(url(reference), headers={"X-Receipt": receipt})

    assert locked.status_code == wrong.status_code == 404
    assert locked.json() == wrong.json()
    assert services.intake.erased == []


async def test_intake_down_is_a_503_and_nothing_changes(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    services.down.add("intake")

    response = await client.delete(url(reference), headers={"X-Receipt": receipt})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert services.intake.erased == []


async def test_both_operations_are_documented_with_examples_and_problems(
    client: httpx.AsyncClient,
) -> None:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()

    operations = document["paths"]["/v1/cases/{reference}/personal-data"]

    assert set(operations) == {"get", "delete"}
    for method, operation in operations.items():
        assert operation["summary"]
        names = {p["name"] for p in operation["parameters"]}
        assert names - {"Idempotency-Key"} == {"reference", "X-Receipt"}
        assert ("Idempotency-Key" in names) == (method == "delete")
        assert set(operation["responses"]) >= {"200", "404", "503"}
        problem = operation["responses"]["404"]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"] == "#/components/schemas/Problem"
        assert problem["example"]["status"] == 404
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas
    schema = schemas["PersonalData"]
    assert [example["erased"] for example in schema["examples"]] == [False, True]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_an_invalid_token_sent_with_the_receipt_is_refused_and_nothing_is_opened(
    client: httpx.AsyncClient, services: FakeServices, method: str
) -> None:
    reference, receipt = filed(services)

    response = await client.request(
        method,
        url(reference),
        headers={"X-Receipt": receipt, "Authorization": "Bearer not.a.token"},
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert services.intake.submissions[reference].erased_at is None
    assert services.count("export_personal_data") == services.count("erase_personal_data") == 0
