"""`Idempotency-Key` on every operation that changes something, over stand-in services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from redis.asyncio import Redis

from gateway.edge.idempotency import IDEMPOTENCY_KEY_PATTERN
from nowrongdoor.auth import API_AUDIENCE, Principal, SigningKey, issue_token

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices, complaint
from ..fakes.routing import RULE

REFERENCE = "NWD-7K3M9QX2VD4H"
GUIDE_ANSWERS = {
    "category": "maladministration",
    "respondent_type": "local-authority",
    "territory": "MA-06",
    "complainant_role": "citizen",
    "administration_contacted": True,
    "court_case_pending": False,
}
CHOICE = {"lead_institution_id": "ma-cndh", "reason": "A question of human rights."}
REUSED = {
    "type": "/problems/idempotency-key-reused",
    "title": "Idempotency-Key reused",
    "status": 422,
    "detail": "This Idempotency-Key was already used with a different body.",
}
IN_FLIGHT = {
    "type": "/problems/idempotency-in-flight",
    "title": "Request in flight",
    "status": 409,
    "detail": "A request with this Idempotency-Key is still being processed.",
}


@dataclass(frozen=True)
class Operation:
    path: str
    body: dict[str, Any]
    other_body: dict[str, Any]
    reaches: str
    """The client method through which the request reaches a service."""
    params: dict[str, str] | None = None


OPERATIONS = {
    "complaint": Operation("/v1/complaints", complaint(), complaint(language="en"), "submit"),
    "guide": Operation(
        "/v1/guide/answers",
        GUIDE_ANSWERS,
        GUIDE_ANSWERS | {"territory": "MA-01"},
        "answer_guide",
        {"lang": "fr"},
    ),
    "triage": Operation(
        f"/v1/triage/{REFERENCE}/decision",
        CHOICE,
        CHOICE | {"reason": "Its mandate covers it."},
        "decide_triage",
    ),
}


@pytest.fixture(params=sorted(OPERATIONS))
def operation(request: pytest.FixtureRequest) -> Operation:
    return OPERATIONS[request.param]


@pytest.fixture
async def credentials(
    operation: Operation, app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> dict[str, str]:
    """What the operation's caller sends: nothing, or the triage desk's token."""
    if not operation.path.startswith("/v1/triage/"):
        return {}
    services.routing.triage_desks[REFERENCE] = "ma-mediateur"
    desk = await register(app, institution="ma-mediateur", scopes=("cases:write",))
    return bearer(await access_token(client, desk))


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def send(
    client: httpx.AsyncClient,
    operation: Operation,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.post(
        operation.path,
        json=operation.body if body is None else body,
        params=operation.params,
        headers=headers,
    )


async def test_the_same_key_and_request_give_the_first_answer_again(
    client: httpx.AsyncClient,
    operation: Operation,
    credentials: dict[str, str],
    services: FakeServices,
) -> None:
    headers = credentials | key("retry-7f3a9c2e-1b4d")

    first = await send(client, operation, headers)
    again = await send(client, operation, headers)

    assert first.status_code in (200, 201), first.text
    assert again.status_code == first.status_code
    assert again.content == first.content
    for name in ("content-type", "cache-control", "content-length", "referrer-policy"):
        assert again.headers.get(name) == first.headers.get(name), name
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert services.count(operation.reaches) == 1


async def test_the_same_key_with_another_body_is_refused(
    client: httpx.AsyncClient,
    operation: Operation,
    credentials: dict[str, str],
    services: FakeServices,
) -> None:
    headers = credentials | key("retry-0c1d2e3f-4a5b")
    await send(client, operation, headers)

    other = await send(client, operation, headers, operation.other_body)

    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json() == REUSED
    assert services.count(operation.reaches) == 1


async def test_a_request_still_in_flight_is_answered_409_with_retry_after(
    client: httpx.AsyncClient,
    operation: Operation,
    credentials: dict[str, str],
    services: FakeServices,
) -> None:
    headers = credentials | key("held-9e8d7c6b5a40")
    gate = services.hold()
    first = asyncio.create_task(send(client, operation, headers))
    await asyncio.wait_for(services.held(), timeout=10)

    # Bounded: were the second request let through, it would wait at the gate too.
    meanwhile = await asyncio.wait_for(send(client, operation, headers), timeout=10)
    gate.set()
    finished = await first

    assert meanwhile.status_code == 409
    assert meanwhile.headers["retry-after"] == "1"
    assert meanwhile.json() == IN_FLIGHT
    assert finished.status_code in (200, 201)
    assert services.count(operation.reaches) == 1


async def test_a_malformed_key_is_refused_naming_the_header(
    client: httpx.AsyncClient,
    operation: Operation,
    credentials: dict[str, str],
    services: FakeServices,
) -> None:
    short = await send(client, operation, credentials | key("1"))
    two_keys = [("Idempotency-Key", "first-key-0000000001"), ("Idempotency-Key", "second-key-002")]
    twice = await client.post(
        operation.path,
        json=operation.body,
        params=operation.params,
        headers=[*credentials.items(), *two_keys],
    )

    for refused in (short, twice):
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert short.json()["errors"][0]["message"] == (
        f"String should match pattern '{IDEMPOTENCY_KEY_PATTERN}'"
    )
    assert services.count(operation.reaches) == 0


async def test_an_anonymous_caller_and_a_client_with_the_same_key_keep_their_own_answers(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    institution = bearer(await access_token(client, await register(app)))
    same = key("batch-000000000001")

    public = await client.post("/v1/complaints", json=complaint(), headers=same)
    counter = await client.post("/v1/complaints", json=complaint(), headers=same | institution)
    public_again = await client.post("/v1/complaints", json=complaint(), headers=same)
    counter_again = await client.post(
        "/v1/complaints", json=complaint(), headers=same | institution
    )

    assert public.status_code == counter.status_code == 201
    assert public.json()["reference"] != counter.json()["reference"]
    assert public_again.json() == public.json()
    assert counter_again.json() == counter.json()
    assert services.submissions[public.json()["reference"]].complaint.channel == "api"
    assert services.submissions[counter.json()["reference"]].complaint.channel == "counter"
    assert services.count("submit") == 2


async def test_a_forged_token_gets_neither_the_clients_answer_nor_the_publics(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    registered = await register(app)
    same = key("batch-000000000002")
    genuine = await client.post(
        "/v1/complaints",
        json=complaint(),
        headers=same | bearer(await access_token(client, registered)),
    )
    public = await client.post("/v1/complaints", json=complaint(), headers=same)
    impostor = Principal(
        registered.client_id, "institution", "ma-mediateur", frozenset({"complaints:write"})
    )
    # The gateway's key id, so that only the signature gives the forgery away.
    forger = SigningKey(app.state.api_token_keys[0].key_id, Ed25519PrivateKey.generate())
    forged = issue_token(forger, impostor, audience=API_AUDIENCE, ttl_seconds=300)

    answer = await client.post("/v1/complaints", json=complaint(), headers=same | bearer(forged))

    assert genuine.status_code == public.status_code == 201
    assert answer.status_code == 401
    assert answer.json()["type"] == "/problems/invalid-token"
    assert services.count("submit") == 2


async def test_a_failure_upstream_is_not_kept_and_the_retry_reaches_the_service(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    same = key("flaky-network-000001")
    services.down.add("intake")
    failed = await client.post("/v1/complaints", json=complaint(), headers=same)
    services.down.clear()

    retried = await client.post("/v1/complaints", json=complaint(), headers=same)

    assert failed.status_code == 503
    assert retried.status_code == 201
    assert services.count("submit") == 2
    assert list(services.submissions) == [retried.json()["reference"]]


async def test_a_refused_request_is_not_kept_and_can_be_corrected_under_the_same_key(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    registered = await register(app, scopes=("complaints:write", "cases:read", "mandate:write"))
    narrow = bearer(await access_token(client, registered, scope="cases:read"))
    full = bearer(await access_token(client, registered))
    same = key("corrected-000000001")
    mandate = "/v1/institutions/ma-mediateur/mandate"
    unusable = {"rules": [RULE | {"territories": ["XX"]}], "summary": "Abroad too"}
    usable = unusable | {"rules": [RULE | {"priority": 12}]}

    lacking_scope = await client.post("/v1/complaints", json=complaint(), headers=same | narrow)
    no_token = await client.post(
        f"/v1/triage/{REFERENCE}/decision", json=CHOICE, headers=key("corrected-000000002")
    )
    filed = await client.post("/v1/complaints", json=complaint(), headers=same | full)
    refused_by_routing = await client.put(
        mandate, json=unusable, headers=full | key("corrected-000000003")
    )
    corrected = await client.put(mandate, json=usable, headers=full | key("corrected-000000003"))

    assert (lacking_scope.status_code, no_token.status_code) == (403, 401)
    assert filed.status_code == 201
    assert refused_by_routing.status_code == 422
    assert refused_by_routing.json()["type"] == "/problems/invalid-mandate"
    assert corrected.status_code == 200
    assert "idempotent-replayed" not in corrected.headers
    assert len(services.submissions) == 1
    assert services.count("change_mandate") == 2


async def test_a_mandate_change_is_replayed_with_its_entity_tag(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    writer = await register(app, institution="ma-mediateur", scopes=("mandate:write",))
    change = {"rules": [RULE | {"priority": 12}], "summary": "Higher priority"}
    headers = bearer(await access_token(client, writer)) | {"If-Match": '"v1"'}
    headers |= key("mandate-change-00001")

    first = await client.put("/v1/institutions/ma-mediateur/mandate", json=change, headers=headers)
    again = await client.put("/v1/institutions/ma-mediateur/mandate", json=change, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.headers["etag"] == first.headers["etag"] == '"v2"'
    assert again.headers["cache-control"] == "no-store"
    assert again.json() == first.json()
    assert [call.operation for call in services.routing.calls] == ["change_mandate"]


async def test_an_erasure_is_replayed_only_for_the_same_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()
    url = f"/v1/cases/{accepted['reference']}/personal-data"
    same = key("erase-mine-00000001")

    erased = await client.delete(url, headers=same | {"X-Receipt": accepted["receipt"]})
    again = await client.delete(url, headers=same | {"X-Receipt": accepted["receipt"]})
    other_receipt = await client.delete(url, headers=same | {"X-Receipt": "1" * 16})

    assert erased.status_code == again.status_code == 200
    assert again.content == erased.content
    assert again.headers["cache-control"] == "no-store"
    assert other_receipt.json() == REUSED
    assert services.count("erase_personal_data") == 1


async def test_redis_holds_nothing_readable_of_the_answers(
    client: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    filed = await client.post(
        "/v1/complaints", json=complaint(), headers=key("key-for-redis-check-1")
    )
    guided = await client.post(
        "/v1/guide/answers", json=GUIDE_ANSWERS, headers=key("key-for-redis-check-2")
    )
    secrets = [
        filed.json()["receipt"].encode(),
        filed.json()["reference"].encode(),
        guided.json()["explanation"].encode(),
        b"MA-06",
    ]

    redis = Redis.from_url(redis_url)
    keys = [key async for key in redis.scan_iter(match=f"{redis_prefix}*")]
    values = [await redis.get(key) for key in keys]
    await redis.aclose()
    assert any(b"idempotency" in name for name in keys)
    for secret in secrets:
        assert not any(secret in (value or b"") for value in values), secret


async def test_every_changing_operation_documents_the_key_but_the_token_endpoint(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    keyed: set[tuple[str, str]] = set()
    posts: set[str] = set()

    for path, operations in paths.items():
        for method, operation in operations.items():
            posts |= {path} if method == "post" else set()
            header = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
            if not header:
                continue
            keyed.add((method, path))
            assert header[0]["in"] == "header" and header[0]["required"] is False
            assert header[0]["schema"]["pattern"] == IDEMPOTENCY_KEY_PATTERN
            # The Open311 facade refuses in its own format, an invalid parameter with a 400.
            open311 = path.startswith("/open311/")
            in_flight = operation["responses"]["409"]
            invalid = operation["responses"]["400" if open311 else "422"]
            assert "Idempotency-Key" in in_flight["description"], (method, path)
            assert "Idempotency-Key" in invalid["description"], (method, path)
            assert ("application/json" if open311 else "application/problem+json") in in_flight[
                "content"
            ]

    assert {"/v1/complaints", "/v1/guide/answers", "/v1/triage/{reference}/decision"} <= posts
    unkeyed = {"/v1/oauth/token", "/v1/cases/{reference}/session"}
    assert {path for method, path in keyed if method == "post"} == posts - unkeyed
    assert ("put", "/v1/institutions/{institution_id}/mandate") in keyed
    assert ("delete", "/v1/cases/{reference}/personal-data") in keyed
    assert {method for method, _ in keyed} <= {"post", "put", "patch", "delete"}
    assert "Idempotency-Key" in paths["/v1/oauth/token"]["post"]["description"]
    triage_conflict = paths["/v1/triage/{reference}/decision"]["post"]["responses"]["409"]
    assert triage_conflict["description"].startswith("The complaint has already been decided")
