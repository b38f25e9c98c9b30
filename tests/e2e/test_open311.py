"""A system that speaks Open311 GeoReport v2 files a complaint into the network and follows it,
driven by an Open311 client library from PyPI (civicbot) that knows nothing of the network.

The filing institution is the Défenseur des droits; the complaint is about a Moroccan commune,
placed by `lat` and `long` alone, so it is routed to the Médiateur du Royaume. The filer and the
competent institution follow it; a stranger's key and no key see nothing of it.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_object_level_authorisation import token

MARRAKECH = (31.63, -8.01)
"""A point in Marrakech-Safi (MA-07), where no other test files anything about a commune."""
FACTS = {
    "respondent_name": "Commune de Marrakech",
    "respondent_type": "local-authority",
    "complainant_role": "citizen",
    "administration_contacted": "true",
    "court_case_pending": "false",
    "language": "fr",
}


class KeyedTransport(HttpTransport):  # type: ignore[misc]  # civicbot ships no types
    """civicbot's own transport, sending a bearer token with each read as its client would be
    configured to; reads in the library itself carry no key."""

    def __init__(self, authorization: Mapping[str, str]) -> None:
        super().__init__(rate_limiter=RateLimiter(min_interval=0))
        self.authorization = dict(authorization)

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        sent: bytes = super().get_bytes(url, params, {**dict(headers or {}), **self.authorization})
        return sent


def client_of(platform: Platform, transport: HttpTransport | None = None) -> Open311Client:
    endpoint = Endpoint(
        id="nowrongdoor",
        name="No Wrong Door",
        base_url=f"{platform.gateway}/open311/v2",
        write=True,
    )
    return Open311Client(
        endpoint,
        transport=transport or HttpTransport(rate_limiter=RateLimiter(min_interval=0)),
        jurisdiction_id="nowrongdoor",
    )


async def status_of(client: Open311Client, reference: str) -> int:
    """The HTTP status a client's read of one request gets."""
    try:
        await asyncio.to_thread(client.get_request, reference)
    except HttpError as error:
        status: int = error.status
        return status
    return 200


@pytest.mark.timeout(240)
async def test_an_open311_client_files_and_follows_a_complaint(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    filer_id, filer_secret = platform.create_client(
        "institution", "fr-ddd", "complaints:write", "cases:read"
    )
    competent = await token(
        gateway, *platform.create_client("institution", "ma-mediateur", "cases:read")
    )
    stranger = await token(gateway, *platform.create_client("institution", "be-unia", "cases:read"))
    anyone = client_of(platform)

    services = await asyncio.to_thread(anyone.list_services)
    assert "maladministration" in {service["service_code"] for service in services}
    definition = await asyncio.to_thread(anyone.get_service_definition, "maladministration")
    codes = {attribute["code"] for attribute in definition["attributes"]}
    assert {"territory", "respondent_type", "administration_contacted"} <= codes

    tag = secrets.token_hex(4)
    prepared = await asyncio.to_thread(
        anyone.create_request,
        "maladministration",
        dry_run=False,
        confirm="SEND",
        api_key=f"{filer_id}:{filer_secret}",
        validate_remote=True,
        lat=MARRAKECH[0],
        lng=MARRAKECH[1],
        description=f"Open311 {tag}: the commune has not answered my letters for a year.",
        first_name="Open311",
        last_name=f"Person {tag}",
        email=f"open311.{tag}@example.org",
        attributes=FACTS,
    )
    [accepted] = prepared.response
    reference = accepted["service_request_id"]
    assert reference.startswith("NWD-")
    assert accepted["receipt"].isdigit()

    filer = client_of(platform, KeyedTransport(await token(gateway, filer_id, filer_secret)))

    async def followed() -> dict[str, Any] | None:
        # Not found until routing has opened the case; then found with its institution.
        if await status_of(filer, reference) == 404:
            return None
        found: dict[str, Any] | None = await asyncio.to_thread(filer.get_request, reference)
        return found if found and found.get("agency_responsible") else None

    request = await eventually(followed, timeout=60, interval=0.5)
    assert request["status"] == "open"
    assert request["service_code"] == "maladministration"
    assert "Médiateur" in request["agency_responsible"]
    assert "description" not in request

    listed = await asyncio.to_thread(filer.list_requests, status="open")
    assert reference in {item["service_request_id"] for item in listed}
    for item in listed:
        assert "description" not in item
        assert tag not in str(item)

    mediateur = client_of(platform, KeyedTransport(competent))
    assert (await asyncio.to_thread(mediateur.get_request, reference))["status"] == "open"
    tokens = await asyncio.to_thread(mediateur.get_token, reference)
    assert tokens == [{"service_request_id": reference, "token": reference}]

    outsider = client_of(platform, KeyedTransport(stranger))
    assert await status_of(outsider, reference) == 404
    assert await asyncio.to_thread(outsider.list_requests, service_request_ids=[reference]) == []
    assert await status_of(anyone, reference) == 401
