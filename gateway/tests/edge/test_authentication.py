"""Bearer tokens on the public API: who may call, what is refused, and how it is told."""

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from gateway.edge.authentication import ClientStatusCache, require_kind, require_scope
from nowrongdoor.auth import (
    API_AUDIENCE,
    INTERNAL_AUDIENCE,
    Principal,
    SigningKey,
    VerificationKey,
    development_signing_key,
    issue_token,
)
from nowrongdoor.problems import ProblemError

from ..api_clients import Registered, access_token, bearer, register, revoke
from ..fakes import FakeServices, complaint
from ..fakes.routing import RULE
from ..limiting import stored_under

INVALID_TOKEN = 'Bearer error="invalid_token"'


class CountedKeys(list[VerificationKey]):
    """The gateway's verification keys, counting the tokens checked against them."""

    looked_up = 0

    def __iter__(self) -> Iterator[VerificationKey]:
        self.looked_up += 1
        return super().__iter__()


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID_TOKEN
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/invalid-token"


@pytest.fixture
async def institution(app: FastAPI, client: httpx.AsyncClient) -> Registered:
    return await register(app, institution="ma-mediateur")


@pytest.fixture
async def institution_token(client: httpx.AsyncClient, institution: Registered) -> str:
    return await access_token(client, institution)


def forge(token: str, change: Callable[[dict[str, object]], None]) -> str:
    """The same token with a claim changed and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def flip_signature_byte(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


async def test_an_expired_token_is_refused(
    client: httpx.AsyncClient, institution: Registered, tmp_path: Path
) -> None:
    principal = Principal(
        institution.client_id, "institution", "ma-mediateur", frozenset({"complaints:write"})
    )
    expired = issue_token(
        development_signing_key(tmp_path), principal, audience=API_AUDIENCE, ttl_seconds=-60
    )

    assert_invalid_token(
        await client.post("/v1/complaints", json=complaint(), headers=bearer(expired))
    )


async def test_a_tampered_token_is_refused(
    client: httpx.AsyncClient, services: FakeServices, institution_token: str
) -> None:
    def widen(claims: dict[str, object]) -> None:
        claims["scope"] = "clients:admin complaints:write"

    def impersonate(claims: dict[str, object]) -> None:
        claims["institution"] = "ma-cndh"

    for tampered in (
        flip_signature_byte(institution_token),
        forge(institution_token, widen),
        forge(institution_token, impersonate),
    ):
        response = await client.post("/v1/complaints", json=complaint(), headers=bearer(tampered))
        assert_invalid_token(response)
    assert services.calls == []


async def test_a_token_signed_by_another_key_is_refused(
    client: httpx.AsyncClient, institution: Registered, tmp_path: Path
) -> None:
    ours = development_signing_key(tmp_path)
    # The attacker even copies our key id into the header.
    theirs = SigningKey(ours.key_id, Ed25519PrivateKey.generate())
    principal = Principal(
        institution.client_id, "institution", "ma-mediateur", frozenset({"complaints:write"})
    )
    token = issue_token(theirs, principal, audience=API_AUDIENCE, ttl_seconds=300)

    assert_invalid_token(
        await client.post("/v1/complaints", json=complaint(), headers=bearer(token))
    )


async def test_an_internal_token_is_not_accepted_by_the_public_api(
    client: httpx.AsyncClient, institution: Registered, tmp_path: Path
) -> None:
    principal = Principal(
        institution.client_id, "institution", "ma-mediateur", frozenset({"complaints:write"})
    )
    internal = issue_token(
        development_signing_key(tmp_path), principal, audience=INTERNAL_AUDIENCE, ttl_seconds=60
    )

    assert_invalid_token(
        await client.post("/v1/complaints", json=complaint(), headers=bearer(internal))
    )


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.token", "token"])
async def test_an_unusable_authorization_header_is_not_taken_for_the_public(
    client: httpx.AsyncClient, services: FakeServices, header: str
) -> None:
    response = await client.post(
        "/v1/complaints", json=complaint(), headers={"Authorization": header}
    )

    assert_invalid_token(response)
    assert services.calls == []


async def test_a_revoked_clients_tokens_stop_working_once_the_status_cache_expires(
    app: FastAPI, client: httpx.AsyncClient, institution: Registered, institution_token: str
) -> None:
    now = [1000.0]
    statuses: ClientStatusCache = app.state.client_status
    statuses.clock = lambda: now[0]
    assert statuses.ttl_seconds <= 10

    before = await client.post(
        "/v1/complaints", json=complaint(), headers=bearer(institution_token)
    )
    await revoke(app, institution.client_id)
    now[0] += statuses.ttl_seconds + 0.1
    after = await client.post("/v1/complaints", json=complaint(), headers=bearer(institution_token))

    assert before.status_code == 201
    assert_invalid_token(after)


async def test_a_token_for_a_client_the_gateway_never_registered_is_refused(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    principal = Principal("nwdc_neverregistered0", "admin", None, frozenset({"complaints:write"}))
    token = issue_token(
        development_signing_key(tmp_path), principal, audience=API_AUDIENCE, ttl_seconds=300
    )

    assert_invalid_token(
        await client.post("/v1/complaints", json=complaint(), headers=bearer(token))
    )


async def test_idempotency_keys_are_kept_apart_per_client(
    app: FastAPI,
    client: httpx.AsyncClient,
    services: FakeServices,
    institution: Registered,
    institution_token: str,
) -> None:
    other = await register(app, kind="ngo", institution="sherpa", scopes=("complaints:write",))
    other_token = await access_token(client, other)
    key = {"Idempotency-Key": "case-system-batch-000001"}

    first = await client.post(
        "/v1/complaints", json=complaint(), headers=key | bearer(institution_token)
    )
    second = await client.post(
        "/v1/complaints", json=complaint(language="en"), headers=key | bearer(other_token)
    )
    anonymous = await client.post("/v1/complaints", json=complaint(language="ar"), headers=key)

    assert first.status_code == second.status_code == anonymous.status_code == 201
    references = [answer.json()["reference"] for answer in (first, second, anonymous)]
    assert [services.submissions[reference].caller.client_id for reference in references] == [
        institution.client_id,
        other.client_id,
        "public",
    ]
    assert len(services.submissions) == 3


async def test_one_request_has_its_token_checked_once_on_its_whole_way_through(
    app: FastAPI,
    client: httpx.AsyncClient,
    services: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    redis_prefix: str,
) -> None:
    writer = await register(app, institution="ma-mediateur", scopes=("mandate:write",))
    token = await access_token(client, writer)
    keys = CountedKeys(app.state.api_token_keys)
    app.state.api_token_keys = keys
    statuses: ClientStatusCache = app.state.client_status
    is_active = statuses.is_active
    asked: list[str] = []

    async def is_active_counted(client_id: str) -> bool:
        asked.append(client_id)
        return await is_active(client_id)

    monkeypatch.setattr(statuses, "is_active", is_active_counted)
    change = {"rules": [RULE | {"priority": 12}], "summary": "Higher priority"}
    headers = bearer(token) | {"If-Match": '"v1"', "Idempotency-Key": "checked-once-000001"}

    url = "/v1/institutions/ma-mediateur/mandate"

    response = await client.put(url, json=change, headers=headers)
    checked = (keys.looked_up, list(asked))
    again = await client.put(url, json=change, headers=headers)

    assert response.status_code == 200, response.text
    assert checked == (1, [writer.client_id])
    assert again.headers["idempotent-replayed"] == "true"
    assert (keys.looked_up, asked) == (2, [writer.client_id] * 2)
    [call] = services.routing.calls
    assert (call.caller.client_id, call.caller.kind, call.caller.institution_id) == (
        writer.client_id,
        "institution",
        "ma-mediateur",
    )
    # The rate limits and the idempotency store both knew the client from that one check.
    stored = await stored_under(redis_url, redis_prefix)
    assert any(key.startswith(f"{redis_prefix}rate:c") for key in stored)
    assert any(key.startswith(f"{redis_prefix}idempotency:") for key in stored)


def test_require_scope_asks_the_public_to_authenticate_and_refuses_clients() -> None:
    with pytest.raises(ProblemError) as anonymous:
        require_scope(Principal.public(), "cases:read")
    client = Principal("nwdc_x", "institution", "ma-cndh", frozenset({"cases:read"}))
    with pytest.raises(ProblemError) as lacking:
        require_scope(client, "mandate:write")
    require_scope(client, "cases:read")

    assert anonymous.value.status == 401
    assert anonymous.value.headers["WWW-Authenticate"].startswith("Bearer")
    assert lacking.value.status == 403
    assert lacking.value.slug == "insufficient-scope"


def test_require_kind_refuses_other_kinds() -> None:
    ngo = Principal("nwdc_n", "ngo", "sherpa", frozenset({"complaints:write"}))
    with pytest.raises(ProblemError) as wrong_kind:
        require_kind(ngo, "institution", "admin")
    with pytest.raises(ProblemError) as anonymous:
        require_kind(Principal.public(), "institution")
    require_kind(ngo, "ngo")

    assert wrong_kind.value.status == 403
    assert anonymous.value.status == 401
