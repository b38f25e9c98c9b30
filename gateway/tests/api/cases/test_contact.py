"""The complainant adds, changes and removes the address they hear of their case at."""

from typing import Any

import httpx
from fastapi import FastAPI

from gateway.edge.receipt_guard import ReceiptGuard
from nowrongdoor.contracts.intake import ContactChange, ReceiptCheck
from nowrongdoor.ids import new_receipt

from ...fakes import FakeServices, complaint

NEW_EMAIL = "amina.new@example.org"


async def filed(client: httpx.AsyncClient) -> tuple[str, str]:
    """An anonymous complaint filed through the gateway: its reference and receipt."""
    accepted = (await client.post("/v1/complaints", json=complaint())).json()
    return accepted["reference"], accepted["receipt"]


def url(reference: str) -> str:
    return f"/v1/cases/{reference}/contact"


async def exported(client: httpx.AsyncClient, reference: str, receipt: str) -> dict[str, Any]:
    response = await client.get(
        f"/v1/cases/{reference}/personal-data", headers={"X-Receipt": receipt}
    )
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def test_an_anonymous_complainant_adds_an_address_then_removes_it(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = await filed(client)

    added = await client.put(
        url(reference), headers={"X-Receipt": receipt}, json={"email": NEW_EMAIL}
    )
    after_adding = await exported(client, reference, receipt)
    removed = await client.delete(url(reference), headers={"X-Receipt": receipt})
    after_removing = await exported(client, reference, receipt)

    assert (added.status_code, removed.status_code) == (204, 204)
    assert added.content == removed.content == b""
    assert added.headers["cache-control"] == removed.headers["cache-control"] == "no-store"
    assert after_adding["contact"] == {"email": NEW_EMAIL, "phone": None}
    assert after_adding["identity"] is None
    assert after_removing["contact"] is None
    change = next(call for call in services.calls if call.operation == "change_contact")
    assert change.caller.kind == "public"
    assert change.sent == ContactChange(reference=reference, receipt=receipt, email=NEW_EMAIL)
    removal = next(call for call in services.calls if call.operation == "remove_contact")
    assert removal.sent == ReceiptCheck(reference=reference, receipt=receipt)


async def test_every_miss_is_the_same_404_and_nothing_changes(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = await filed(client)
    body = {"email": NEW_EMAIL}

    wrong = await client.put(url(reference), headers={"X-Receipt": new_receipt()}, json=body)
    missing = await client.put(url(reference), json=body)
    unknown = await client.put(url("NWD-0000000000AA"), headers={"X-Receipt": receipt}, json=body)
    wrong_removal = await client.delete(url(reference), headers={"X-Receipt": new_receipt()})

    answers = [wrong, missing, unknown, wrong_removal]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1
    assert services.submissions[reference].contact is None


async def test_wrong_receipts_count_towards_the_guard(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reference, receipt = await filed(client)
    seen: list[str] = []

    class RecordingGuard(ReceiptGuard):
        def __init__(self) -> None:
            pass  # no Redis: both calls below are `guarded` uses

        async def before_check(self, reference: str) -> None:
            seen.append("before")

        async def record_failure(self, reference: str) -> None:
            seen.append("failure")

        async def record_success(self, reference: str) -> None:
            seen.append("success")

    app.state.receipt_guard = RecordingGuard()

    wrong = await client.delete(url(reference), headers={"X-Receipt": new_receipt()})
    right = await client.delete(url(reference), headers={"X-Receipt": receipt})

    assert (wrong.status_code, right.status_code) == (404, 204)
    assert seen == ["before", "failure", "before", "success"]


async def test_an_address_must_be_well_formed_and_one_at_least_given(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = await filed(client)
    headers = {"X-Receipt": receipt}

    neither = await client.put(url(reference), headers=headers, json={})
    malformed = await client.put(url(reference), headers=headers, json={"email": "nope"})
    bad_phone = await client.put(url(reference), headers=headers, json={"phone": "call me"})
    unknown_field = await client.put(
        url(reference), headers=headers, json={"email": NEW_EMAIL, "name": "Amina"}
    )

    for answer in (neither, malformed, bad_phone, unknown_field):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert services.count("change_contact") == 0


async def test_after_erasure_no_address_is_kept(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = await filed(client)
    headers = {"X-Receipt": receipt}
    await client.delete(f"/v1/cases/{reference}/personal-data", headers=headers)

    refused = await client.put(url(reference), headers=headers, json={"email": NEW_EMAIL})

    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/personal-data-erased")
    assert services.submissions[reference].contact is None


async def test_intake_down_is_a_503(client: httpx.AsyncClient, services: FakeServices) -> None:
    reference, receipt = await filed(client)
    services.down.add("intake")

    response = await client.delete(url(reference), headers={"X-Receipt": receipt})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_both_operations_are_documented(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()

    operations = document["paths"]["/v1/cases/{reference}/contact"]

    assert set(operations) == {"put", "delete"}
    for operation in operations.values():
        assert operation["summary"]
        assert {"reference", "X-Receipt"} <= {p["name"] for p in operation["parameters"]}
        assert set(operation["responses"]) >= {"204", "404", "503"}
    body = operations["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ContactAddresses")
