"""Bearer tokens on the public API: who may call, what is refused, and how it is told."""

import base64
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from gateway.security import ClientStatusCache, require_kind, require_scope
from nowrongdoor.auth import (
    API_AUDIENCE,
    INTERNAL_AUDIENCE,
    Principal,
    SigningKey,
    development_signing_key,
    issue_token,
)
from nowrongdoor.problems import ProblemError

from .api_clients import Registered, access_token, bearer, register, revoke
from .fakes import FakeServices, complaint

INVALID_TOKEN = 'Bearer error="invalid_token"'


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


async def test_an_institution_files_what_its_counter_received(
    client: httpx.AsyncClient,
    services: FakeServices,
    institution: Registered,
    institution_token: str,
) -> None:
    response = await client.post(
        "/v1/complaints", json=complaint(), headers=bearer(institution_token)
    )

    assert response.status_code == 201
    reference = response.json()["reference"]
    forwarded = services.submissions[reference][1]
    assert forwarded["channel"] == "counter"
    assert forwarded["submission"]["received_by"] == "ma-mediateur"
    assert services.submitted_by[reference]["sub"] == institution.client_id
    assert services.submitted_by[reference]["kind"] == "institution"


async def test_an_institution_cannot_file_at_another_institutions_door(
    client: httpx.AsyncClient, services: FakeServices, institution_token: str
) -> None:
    response = await client.post(
        "/v1/complaints", json=complaint(received_by="ma-cndh"), headers=bearer(institution_token)
    )

    assert response.status_code == 403
    assert services.submissions == {}


async def test_an_ngo_files_through_its_own_channel(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    ngo = await register(
        app, kind="ngo", institution="transparency-maroc", scopes=("complaints:write",)
    )
    token = await access_token(client, ngo)

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 201
    forwarded = services.submissions[response.json()["reference"]][1]
    assert forwarded["channel"] == "ngo"
    assert forwarded["submission"]["received_by"] is None


async def test_a_citizen_needs_no_token(client: httpx.AsyncClient, services: FakeServices) -> None:
    response = await client.post("/v1/complaints", json=complaint())

    assert response.status_code == 201
    reference = response.json()["reference"]
    assert services.submissions[reference][1]["channel"] == "api"
    assert services.submitted_by[reference]["kind"] == "public"


async def test_a_token_without_the_scope_is_refused_with_403(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reader = await register(app, scopes=("cases:read",))
    token = await access_token(client, reader)

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/insufficient-scope"
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert services.submissions == {}


async def test_a_token_narrowed_away_from_the_scope_is_refused(
    client: httpx.AsyncClient, institution: Registered
) -> None:
    token = await access_token(client, institution, scope="cases:read")

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 403


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
    assert services.submissions == {}


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
    assert services.submissions == {}


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
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, institution_token: str
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
    assert (
        len({first.json()["reference"], second.json()["reference"], anonymous.json()["reference"]})
        == 3
    )
    assert len(services.submissions) == 3


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
