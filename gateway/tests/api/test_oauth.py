"""The token endpoint, as an institution's system meets it (RFC 6749 §4.4 client credentials)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway import api_clients
from nowrongdoor.auth import API_AUDIENCE, development_signing_key, verify_token
from nowrongdoor.testing.apps import eventually

from ..api_clients import (
    TOKEN_URL,
    Registered,
    access_token,
    refused_counts,
    register,
    revoke,
    rotate,
    set_clock,
    token_request,
)

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
async def institution(app: FastAPI, client: httpx.AsyncClient) -> Registered:
    return await register(app, institution="ma-cndh", scopes=("cases:read", "cases:write"))


def assert_invalid_client(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
    }


async def test_a_client_gets_a_bearer_token_with_http_basic(
    client: httpx.AsyncClient, institution: Registered, tmp_path: Path
) -> None:
    response = await token_request(client, GRANT, institution.basic())

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 300
    assert answer["scope"] == "cases:read cases:write"
    principal = verify_token(
        answer["access_token"],
        [development_signing_key(tmp_path).public()],
        audience=API_AUDIENCE,
    )
    assert principal.client_id == institution.client_id
    assert principal.kind == "institution"
    assert principal.institution_id == "ma-cndh"
    assert principal.scopes == {"cases:read", "cases:write"}


async def test_a_client_gets_a_token_with_credentials_in_the_form(
    client: httpx.AsyncClient, institution: Registered
) -> None:
    form = GRANT | {"client_id": institution.client_id, "client_secret": institution.secret}

    response = await token_request(client, form)

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


async def test_wrong_secret_unknown_client_and_no_credentials_get_the_same_401(
    client: httpx.AsyncClient, institution: Registered
) -> None:
    wrong_secret = await token_request(client, GRANT, institution.basic("nwds_" + "x" * 43))
    unknown = await token_request(
        client, GRANT, Registered("nwdc_AAAAAAAAAAAAAAAAAAAA", institution.secret).basic()
    )
    in_form = await token_request(
        client, GRANT | {"client_id": institution.client_id, "client_secret": "guess"}
    )
    nothing = await token_request(client, GRANT)

    for response in (wrong_secret, unknown, in_form, nothing):
        assert_invalid_client(response)
    assert wrong_secret.headers["www-authenticate"] == unknown.headers["www-authenticate"]


async def test_checking_credentials_costs_the_same_whether_or_not_the_client_exists(
    client: httpx.AsyncClient, institution: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    hasher = api_clients.secret_hasher

    class CountingHasher:
        def verify(self, secret_hash: str, secret: str) -> bool:
            verified.append(secret_hash)
            return hasher.verify(secret_hash, secret)

    monkeypatch.setattr(api_clients, "secret_hasher", CountingHasher())

    await token_request(client, GRANT, institution.basic("nwds_wrong"))
    for_known = len(verified)
    verified.clear()
    await token_request(client, GRANT, Registered("nwdc_unknownunknownunk", "x").basic())

    assert for_known == len(verified) == 2
    assert all(secret_hash.startswith("$argon2id$") for secret_hash in verified)


async def test_malformed_requests_are_refused_in_the_oauth_format(
    client: httpx.AsyncClient, institution: Registered
) -> None:
    both = await token_request(
        client,
        GRANT | {"client_id": institution.client_id, "client_secret": institution.secret},
        institution.basic(),
    )
    no_grant = await token_request(client, {}, institution.basic())
    as_json = await client.post(TOKEN_URL, json=GRANT, headers=institution.basic())
    twice = await client.post(
        TOKEN_URL,
        content=b"grant_type=client_credentials&grant_type=client_credentials",
        headers={"content-type": "application/x-www-form-urlencoded"} | institution.basic(),
    )

    for response in (both, no_grant, as_json, twice):
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "invalid_request"


async def test_any_grant_but_client_credentials_is_unsupported(
    client: httpx.AsyncClient, institution: Registered
) -> None:
    response = await token_request(
        client, {"grant_type": "password", "username": "a", "password": "b"}, institution.basic()
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_a_token_can_be_narrowed_to_some_of_the_clients_scopes(
    client: httpx.AsyncClient, institution: Registered, tmp_path: Path
) -> None:
    response = await token_request(client, GRANT | {"scope": "cases:read"}, institution.basic())

    assert response.status_code == 200
    assert response.json()["scope"] == "cases:read"
    principal = verify_token(
        response.json()["access_token"],
        [development_signing_key(tmp_path).public()],
        audience=API_AUDIENCE,
    )
    assert principal.scopes == {"cases:read"}


@pytest.mark.parametrize("scope", ["mandate:write", "cases:read clients:admin", "gossip", ""])
async def test_a_scope_the_client_does_not_hold_is_refused(
    client: httpx.AsyncClient, institution: Registered, scope: str
) -> None:
    response = await token_request(client, GRANT | {"scope": scope}, institution.basic())

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert "access_token" not in response.text


async def test_during_a_rotation_both_secrets_work_and_afterwards_only_the_new_one(
    app: FastAPI, client: httpx.AsyncClient, institution: Registered
) -> None:
    rotated_at = datetime.now(UTC)
    new_secret = await rotate(app, institution.client_id, grace=timedelta(hours=24), now=rotated_at)
    renewed = Registered(institution.client_id, new_secret)

    set_clock(app, rotated_at + timedelta(hours=23))
    assert (await token_request(client, GRANT, institution.basic())).status_code == 200
    assert (await token_request(client, GRANT, renewed.basic())).status_code == 200

    set_clock(app, rotated_at + timedelta(hours=24, seconds=1))
    assert_invalid_client(await token_request(client, GRANT, institution.basic()))
    assert (await token_request(client, GRANT, renewed.basic())).status_code == 200


async def test_a_rotation_without_grace_retires_the_old_secret_at_once(
    app: FastAPI, client: httpx.AsyncClient, institution: Registered
) -> None:
    await rotate(app, institution.client_id, grace=timedelta(0), now=datetime.now(UTC))

    assert_invalid_client(await token_request(client, GRANT, institution.basic()))


async def test_a_revoked_client_gets_nothing_and_looks_unknown(
    app: FastAPI, client: httpx.AsyncClient, institution: Registered
) -> None:
    await access_token(client, institution)
    await revoke(app, institution.client_id)

    assert_invalid_client(await token_request(client, GRANT, institution.basic()))


async def test_refused_requests_are_counted_against_the_client_they_named(
    app: FastAPI, client: httpx.AsyncClient, institution: Registered
) -> None:
    other = await register(app, institution="ma-cndp", scopes=("cases:read",))
    await token_request(client, GRANT, institution.basic("nwds_wrong"))
    await token_request(client, GRANT | {"scope": "mandate:write"}, institution.basic())
    await token_request(client, GRANT, Registered("nwdc_unknownunknownunk", "x").basic())
    await access_token(client, other)

    async def counted() -> dict[str, int] | None:
        counts = await refused_counts(app)
        return counts if counts[institution.client_id] == 2 else None

    counts = await eventually(counted)
    assert counts == {institution.client_id: 2, other.client_id: 0}


async def test_the_openapi_document_describes_the_token_endpoint_and_the_scheme(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()

    token = document["paths"][TOKEN_URL]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert {"200", "400", "401"} <= set(token["responses"])
    assert "RFC 6749 §5.2" in token["description"]
    scheme = document["components"]["securitySchemes"]["clientCredentials"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == TOKEN_URL
    assert "cases:read" in scheme["flows"]["clientCredentials"]["scopes"]
    # Citizens file complaints without a token: "no security" is one of the alternatives.
    assert {} in document["paths"]["/v1/complaints"]["post"]["security"]
