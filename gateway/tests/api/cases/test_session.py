"""The case session: the receipt checked once, then a bearer token for that one case only."""

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.edge.limit_settings import LimitSettings
from gateway.edge.limits import Limits
from nowrongdoor.auth import Principal

from ...api_clients import bearer
from ...fakes import FakeServices, complaint
from ...limiting import FakeClock, FakeSleep, gateway_settings, running_gateway, stored_under
from .parties import UNKNOWN, institution_headers, routed, wrong

LETTER = {"filename": "lettre.txt", "content": base64.b64encode(b"Lettre du 12 mars").decode()}


def session_of(reference: str) -> str:
    return f"/v1/cases/{reference}/session"


async def opened(client: httpx.AsyncClient, reference: str, receipt: str) -> dict[str, str]:
    """The Authorization header of a session opened with the receipt."""
    answer = await client.post(session_of(reference), headers={"X-Receipt": receipt})
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["access_token"])


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["type"] == "/problems/invalid-token"


async def test_the_receipt_opens_a_session_for_its_case(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    answer = await client.post(session_of(reference), headers={"X-Receipt": receipt})

    assert answer.status_code == 201
    assert answer.headers["cache-control"] == "no-store"
    session = answer.json()
    assert set(session) == {"access_token", "token_type", "expires_in", "reference"}
    assert (session["token_type"], session["expires_in"], session["reference"]) == (
        "Bearer",
        20 * 60,
        reference,
    )
    assert session["access_token"].startswith("nwdt_")
    assert len(session["access_token"]) > 40
    assert [call.operation for call in services.calls] == ["check_receipt"]


async def test_with_the_session_no_receipt_is_checked_again(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    case = f"/v1/cases/{reference}"

    followed = await client.get(case, headers=session)
    posted = await client.post(
        f"{case}/messages",
        json={"body": "Voici la lettre.", "attachments": [LETTER]},
        headers=session,
    )
    [sent] = posted.json()["attachments"]
    downloaded = await client.get(f"{case}/attachments/{sent['id']}", headers=session)
    again = await client.get(case, headers=session)
    withdrawn = await client.post(f"{case}/withdraw", json={}, headers=session)

    assert [followed.status_code, posted.status_code, downloaded.status_code] == [200, 201, 200]
    assert followed.headers["cache-control"] == "no-store"
    assert downloaded.content == b"Lettre du 12 mars"
    assert again.json()["messages"] == [posted.json()]
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert services.count("check_receipt") == 1, "only the opening checks the receipt"
    complainant = Principal.public().holding_receipt_for(reference)
    assert {call.caller for call in services.cases.calls} == {complainant}


async def test_a_session_does_not_widen_what_the_complainant_may_write(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)

    internal = await client.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "A note", "audience": "internal"},
        headers=session,
    )

    assert internal.status_code == 422
    assert internal.json()["errors"][0]["field"] == "audience"
    assert services.count("post_message") == 0


async def test_a_wrong_receipt_opens_nothing_and_looks_like_an_unknown_reference(
    client: httpx.AsyncClient, services: FakeServices, redis_url: str, redis_prefix: str
) -> None:
    reference, receipt = routed(services)

    answers = [
        await client.post(session_of(reference), headers={"X-Receipt": wrong(receipt)}),
        await client.post(session_of(UNKNOWN), headers={"X-Receipt": receipt}),
        await client.post(session_of(reference)),
    ]

    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1
    assert await stored_under(redis_url, f"{redis_prefix}pages:track:") == {}
    counted = await stored_under(redis_url, f"{redis_prefix}receipt:")
    assert sorted(int(kept["failures"]) for kept in counted.values()) == [1, 1]


@pytest.fixture
async def guarded(
    services: FakeServices, redis_url: str, redis_prefix: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway that locks a reference after two wrong receipts, and never waits."""
    limits = LimitSettings(
        receipt_failures_before_delay=1,
        receipt_failures_before_lock=2,
        rate_limit_public_paths="1000/minute",
        submissions_anonymous="1000/hour",
    )
    settings = gateway_settings(redis_url, redis_prefix, tmp_path)
    async with running_gateway(
        settings, services, Limits(settings=limits, clock=FakeClock(), sleep=FakeSleep())
    ) as gateway:
        yield await gateway.client()


async def test_wrong_receipts_for_a_session_count_towards_the_lock(
    guarded: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    before = await opened(guarded, reference, receipt)

    refused = [
        await guarded.post(session_of(reference), headers={"X-Receipt": wrong(receipt)})
        for _ in range(2)
    ]
    locked = await guarded.post(session_of(reference), headers={"X-Receipt": receipt})
    followed = await guarded.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})

    assert [answer.status_code for answer in refused] == [404, 404]
    assert (locked.status_code, locked.json()) == (404, refused[-1].json())
    assert followed.status_code == 404
    # A session opened before the lock was opened with the right receipt: it carries on.
    assert (await guarded.get(f"/v1/cases/{reference}", headers=before)).status_code == 200


async def test_a_session_opens_its_own_case_and_no_other(
    client: httpx.AsyncClient, services: FakeServices, redis_url: str, redis_prefix: str
) -> None:
    mine, receipt = routed(services)
    other, other_receipt = routed(services)
    session = await opened(client, mine, receipt)
    services.switchboard.calls.clear()

    async def both(method: str, path: str, **kwargs: Any) -> list[httpx.Response]:
        """The other case with this session, and with a wrong receipt."""
        url, guessed = path.format(other), {"X-Receipt": wrong(other_receipt)}
        return [
            await client.request(method, url, headers=session, **kwargs),
            await client.request(method, url, headers=guessed, **kwargs),
        ]

    answers = [
        *await both("GET", "/v1/cases/{}"),
        *await both("POST", "/v1/cases/{}/messages", json={"body": "Not my case"}),
        *await both("GET", "/v1/cases/{}/attachments/a-0000000000000001"),
        *await both("POST", "/v1/cases/{}/withdraw", json={}),
        await client.delete(session_of(other), headers=session),
    ]

    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1
    assert services.cases.calls == []
    # Only the wrong receipts reached intake; the session's misses were not counted as any.
    assert services.count("check_receipt") == 4
    [counted] = (await stored_under(redis_url, f"{redis_prefix}receipt:")).values()
    assert counted["failures"] == "4"
    assert (await client.get(f"/v1/cases/{mine}", headers=session)).status_code == 200


async def test_an_unknown_or_ended_session_is_an_invalid_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)

    ended = await client.delete(session_of(reference), headers=session)
    answers = [
        await client.get(f"/v1/cases/{reference}", headers=session),
        await client.get(f"/v1/cases/{reference}", headers=bearer("nwdt_" + "A" * 43)),
        await client.get(f"/v1/cases/{reference}", headers=bearer("nwdt_" + "A" * 200)),
        await client.post(f"/v1/cases/{reference}/messages", json={"body": "?"}, headers=session),
        await client.delete(session_of(reference), headers=session),
        await client.post("/v1/complaints", json=complaint(), headers=session),
    ]

    assert ended.status_code == 204
    assert ended.headers["cache-control"] == "no-store"
    assert ended.content == b""
    for answer in answers:
        assert_invalid_token(answer)
    assert [call.operation for call in services.calls] == ["check_receipt"]


async def test_a_receipt_with_an_ended_session_is_refused_like_any_invalid_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    await client.delete(session_of(reference), headers=session)

    answer = await client.get(f"/v1/cases/{reference}", headers=session | {"X-Receipt": receipt})

    assert_invalid_token(answer)
    # Another session opens with the receipt.
    assert (await opened(client, reference, receipt))["Authorization"] != session["Authorization"]


async def test_ending_needs_the_sessions_own_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)

    anonymous = await client.delete(session_of(reference))
    with_receipt = await client.delete(session_of(reference), headers={"X-Receipt": receipt})

    for answer in (anonymous, with_receipt):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="nowrongdoor"'
    assert (await client.get(f"/v1/cases/{reference}", headers=session)).status_code == 200


async def test_an_institution_token_ends_no_session(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    institution = await institution_headers(app, client, "ma-mediateur", "cases:write")

    answer = await client.delete(session_of(reference), headers=institution)

    assert answer.status_code == 401
    assert (await client.get(f"/v1/cases/{reference}", headers=session)).status_code == 200


async def test_a_session_holds_no_scope_of_an_institution(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    etag = {"If-Match": services.cases.tracked[reference].etag}

    answers = [
        await client.get("/v1/cases", headers=session),
        await client.get(f"/v1/cases/{reference}/complaint", headers=session),
        await client.post(
            f"/v1/cases/{reference}/status",
            json={"status": "acknowledged"},
            headers=session | etag,
        ),
        await client.get("/v1/inbox", headers=session),
    ]

    assert [answer.status_code for answer in answers] == [401, 401, 401, 401]
    assert [call.operation for call in services.calls] == ["check_receipt"]


async def test_where_to_be_told_still_asks_for_the_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    address = {"email": "me@example.org"}

    without = await client.put(f"/v1/cases/{reference}/contact", json=address, headers=session)
    with_receipt = await client.put(
        f"/v1/cases/{reference}/contact", json=address, headers=session | {"X-Receipt": receipt}
    )

    assert without.status_code == 404
    assert with_receipt.status_code == 204
    assert services.count("change_contact") == 1


async def test_redis_keeps_a_hash_of_the_token_and_the_reference_only(
    client: httpx.AsyncClient, services: FakeServices, redis_url: str, redis_prefix: str
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    token = session["Authorization"].removeprefix("Bearer ")

    kept = await stored_under(redis_url, redis_prefix)

    assert list((await stored_under(redis_url, f"{redis_prefix}pages:track:")).values()) == [
        reference
    ]
    assert not any(token in key or token in str(value) for key, value in kept.items())
    assert not any(receipt in key or receipt in str(value) for key, value in kept.items())


async def test_rate_limits_still_count_the_session_holders_requests(
    services: FakeServices, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    limits = LimitSettings(rate_limit_public_paths="2/minute", submissions_anonymous="10/hour")
    settings = gateway_settings(redis_url, redis_prefix, tmp_path)
    reference, receipt = routed(services)
    async with running_gateway(settings, services, Limits(settings=limits)) as gateway:
        citizen = await gateway.client()
        session = await opened(citizen, reference, receipt)

        answers = [await citizen.get(f"/v1/cases/{reference}", headers=session) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "retry-after" in answers[-1].headers


async def test_the_session_operations_are_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]

    opening = paths["/v1/cases/{reference}/session"]["post"]
    ending = paths["/v1/cases/{reference}/session"]["delete"]

    assert {"201", "401", "404", "503"} <= set(opening["responses"])
    assert "X-Receipt" in {parameter["name"] for parameter in opening["parameters"]}
    assert "Cache-Control" in opening["responses"]["201"]["headers"]
    assert {"204", "401", "404"} <= set(ending["responses"])
    assert ending["security"] == [{"caseSession": []}]
    for operation in (opening, ending):
        assert operation["summary"] and operation["description"]
        assert "application/problem+json" in operation["responses"]["404"]["content"]
    scheme = document["components"]["securitySchemes"]["caseSession"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    with_session = [
        paths["/v1/cases/{reference}"]["get"],
        paths["/v1/cases/{reference}/messages"]["post"],
        paths["/v1/cases/{reference}/attachments/{attachment_id}"]["get"],
        paths["/v1/cases/{reference}/withdraw"]["post"],
    ]
    for operation in with_session:
        assert {"caseSession": []} in operation["security"], operation["summary"]
        assert "401" in operation["responses"], operation["summary"]
    for receipt_only in (
        paths["/v1/cases/{reference}/contact"]["put"],
        paths["/v1/cases/{reference}/resubmission"]["post"],
    ):
        assert {"caseSession": []} not in receipt_only["security"]


async def test_a_session_holders_kept_answer_is_given_again_to_that_session_only(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    session = await opened(client, reference, receipt)
    same_key = {"Idempotency-Key": "withdraw-mine-000001"}
    withdraw = f"/v1/cases/{reference}/withdraw"

    withdrawn = await client.post(withdraw, json={}, headers=session | same_key)
    again = await client.post(withdraw, json={}, headers=session | same_key)
    without_session = await client.post(withdraw, json={}, headers=same_key)

    assert withdrawn.status_code == again.status_code == 200
    assert again.content == withdrawn.content
    assert without_session.status_code == 404
    assert "withdrawn" not in without_session.text
    assert services.count("withdraw") == 1


async def test_opening_a_session_takes_no_idempotency_key_and_each_opening_is_its_own(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    same_key = {"Idempotency-Key": "open-session-000001", "X-Receipt": receipt}

    first = await client.post(session_of(reference), headers=same_key)
    second = await client.post(session_of(reference), headers=same_key)

    assert first.status_code == second.status_code == 201
    assert first.json()["access_token"] != second.json()["access_token"]
